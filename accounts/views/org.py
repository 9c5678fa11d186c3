# Implemented by the accounts views work; see accounts/urls.py for the names.
from django.http import Http404



def members(request, *args, **kwargs):
    raise Http404


def invite(request, *args, **kwargs):
    raise Http404


def member_role(request, *args, **kwargs):
    raise Http404


def member_remove(request, *args, **kwargs):
    raise Http404


def member_freeze(request, *args, **kwargs):
    raise Http404


def member_unfreeze(request, *args, **kwargs):
    raise Http404


def invitation_revoke(request, *args, **kwargs):
    raise Http404
