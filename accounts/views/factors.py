# Implemented by the accounts views work; see accounts/urls.py for the names.
from django.http import Http404



def security(request, *args, **kwargs):
    raise Http404


def enrol(request, *args, **kwargs):
    raise Http404


def totp_enrol(request, *args, **kwargs):
    raise Http404


def totp_remove(request, *args, **kwargs):
    raise Http404


def passkey_remove(request, *args, **kwargs):
    raise Http404


def backup_codes(request, *args, **kwargs):
    raise Http404
