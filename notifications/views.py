"""The inbox page (站内消息): the user's own items, newest first, unread in bold.

Reading is a POST (opening an item marks it read, then redirects to its link; "mark all read"),
so that a GET has no side effects. Another user's item is a 404.
"""

import re

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from . import selectors, services

_ROW_ID = re.compile(r"[0-9]{1,18}")  # ASCII digits only, within a 64-bit primary key


def row_id(value: str) -> int | None:
    """A row id typed by a client, or None: "²", "１", "-1", "1e3" and huge numbers are no ids
    (str.isdigit() accepts the first two, and int() then fails, or the database does)."""
    return int(value) if _ROW_ID.fullmatch(value) else None


@method_decorator([login_required, never_cache], name="dispatch")
class InboxView(TemplateView):
    template_name = "notifications/inbox.html"
    title = _("Inbox")
    paginate_by = 30
    roles = None  # everyone signed in (the menu entry asks this)

    def get_context_data(self, **kwargs):
        items = selectors.inbox_items(self.request.user)
        page = Paginator(items, self.paginate_by).get_page(self.request.GET.get("page"))
        return {**super().get_context_data(**kwargs), "page": page, "title": self.title}

    def post(self, request, *args, **kwargs):
        if "item" in request.POST:
            item_id = row_id(request.POST["item"])
            if item_id is None:
                raise Http404
            item = get_object_or_404(selectors.inbox_items(request.user), pk=item_id)
            services.inbox_item_read(item=item)
            if item.url and url_has_allowed_host_and_scheme(
                item.url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
            ):
                return redirect(item.url)
        elif "all" in request.POST:
            services.inbox_read_all(user=request.user)
        return redirect(request.path)
