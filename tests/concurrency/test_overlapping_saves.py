"""Overlapping saves of one sales line through the whole HTTP stack (issue defect 2, I-6, X-6).

Real requests against the live server, each on its own connection, all at the same moment: a fast
keyboard user (or two tabs) saving different cells of one line. On the embedded SQLite default this
gave HTTP 500 "database is locked" and lost the second edit; with WAL and BEGIN IMMEDIATE every
request waits its turn. On PostgreSQL the sales order lock serialises them. Either way every save
applies, none is a 5xx, and the line and its linked assembly order stay in sync (I-3).
"""

from __future__ import annotations

import datetime
import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request
from decimal import Decimal

import pytest

from sales.models import SalesLine
from tests.concurrency.parallel import run_in_parallel
from tests.factories import PASSWORD, UserFactory
from tests.sales.conftest import Seed
from tests.sales.test_reservations import assert_reservation_invariants

pytestmark = pytest.mark.usefixtures("transactional_db")


class Browser:
    """A signed-in HTTP client of the live server (cookies, CSRF token, htmx headers)."""

    def __init__(self, base_url: str, username: str):
        self.base_url = base_url
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.token = ""
        login = self.get("/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login).group(1)
        self.post(
            "/login/", {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token}, htmx=False
        )

    def get(self, path: str) -> str:
        with self.opener.open(self.base_url + path, timeout=30) as response:
            return response.read().decode()

    def post(self, path: str, data: dict[str, str], *, htmx: bool = True) -> int:
        headers = {"X-CSRFToken": self.token, "Referer": self.base_url + path}
        if htmx:
            headers["HX-Request"] = "true"
        request = urllib.request.Request(
            self.base_url + path, data=urllib.parse.urlencode(data).encode(), headers=headers
        )
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    def open_card(self, path: str) -> None:
        html = self.get(path)
        self.token = re.search(r'"X-CSRFToken": "([^"]+)"', html).group(1)


def test_i_6_eight_overlapping_cell_saves_of_one_line_all_apply(live_server):
    seed = Seed()
    header = seed.order()
    line = seed.line(header, quantity=10)
    UserFactory(username="typist")
    browsers = [Browser(live_server.url, "typist") for _ in range(8)]
    for browser in browsers:
        browser.open_card(header.get_absolute_url())
    url = f"/sales/orders/{header.pk}/lines/{line.pk}/"
    later = line.shipment_date + datetime.timedelta(days=3)
    cells = [
        {"quantity": "12"},
        {"qty_to_assemble_to_order": "7"},
        {"unit_price": "450.00"},
        {"shipment_date": later.isoformat()},
    ] * 2  # each cell twice: a double submit or a second tab must be harmless too

    statuses = run_in_parallel(
        *(
            lambda browser=browser, cell=cell: browser.post(
                url, {f"line-{line.pk}-{k}": v for k, v in cell.items()}
            )
            for browser, cell in zip(browsers, cells, strict=True)
        )
    )

    assert statuses == [200] * 8, statuses
    line = SalesLine.objects.select_related("assembly_order").get(pk=line.pk)
    assert (line.quantity, line.qty_to_assemble_to_order, line.unit_price, line.shipment_date) == (
        12,
        7,
        Decimal("450.00"),
        later,
    )
    assert line.assembly_order.quantity == 7 and line.assembly_order.due_date == later
    assert_reservation_invariants()
