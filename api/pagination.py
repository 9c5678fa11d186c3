from __future__ import annotations

from rest_framework.pagination import PageNumberPagination


class Pages(PageNumberPagination):
    """``?page=N``, 25 items a page (the page size is fixed: a list cannot be asked for whole)."""

    page_size = 25
    max_page_size = 25
