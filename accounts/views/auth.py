# Implemented by the accounts views work; see accounts/urls.py for the names.
from django.http import Http404



def login(request, *args, **kwargs):
    raise Http404


def logout(request, *args, **kwargs):
    raise Http404


def verify(request, *args, **kwargs):
    raise Http404


def reauth(request, *args, **kwargs):
    raise Http404


def locked_out(request, credentials, *args, **kwargs):
    raise Http404
