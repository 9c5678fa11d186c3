# Implemented by the accounts views work; see accounts/urls.py for the names.
from django.http import Http404



def session_list(request, *args, **kwargs):
    raise Http404


def session_end(request, *args, **kwargs):
    raise Http404


def sessions_end_others(request, *args, **kwargs):
    raise Http404


def switch_organisation(request, *args, **kwargs):
    raise Http404
