# Implemented by the accounts views work; see accounts/urls.py for the names.
from django.http import Http404



def dashboard(request, *args, **kwargs):
    raise Http404
