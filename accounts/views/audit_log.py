# Implemented by the accounts views work; see accounts/urls.py for the names.
from django.http import Http404



def org_audit_log(request, *args, **kwargs):
    raise Http404
