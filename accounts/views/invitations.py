# Implemented by the accounts views work; see accounts/urls.py for the names.
from django.http import Http404



def accept(request, *args, **kwargs):
    raise Http404


def open_link(request, *args, **kwargs):
    raise Http404
