"""The load test's users (issue 11 part 5): sales order processors who work the whole flow through the
pages the browser uses, as htmx sends them.

Each user signs in through the login form, then repeats: create a sales order for the assemble-to-order
workstation, add a line (Quantity 2), change its Qty. to Assemble to Order to 1 (one cell, as the grid
saves it), open the line's FactBox, add a second line sold from stock (a monitor), open the first
line's Reservation dialog and Auto Reserve, release, Post with Ship (the form carries the plan
fingerprint the dialog shows), open the posted shipment and undo its first line, then Post with Ship
and Invoice, which completes the order; now and then it looks at lists.

What the app answers on purpose under contention is not a failure: 409 "Another user is changing …
Try again." (a lock wait that ran out), and 422 where a posting or reservation was refused because the
stock it planned on changed meanwhile (the page says so; the user would try again). Such a refusal ends
that user's round (`RescheduleTask`) and is counted by kind; load/run.py prints the counts. Everything
else unexpected, above all any 5xx, is a failure.

Run by load/run.py (`make load`); on its own: locust -f load/locustfile.py --host http://127.0.0.1:PORT
with LOAD_USER_NAMES="load01,load02" and LOAD_PASSWORD set.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from html.parser import HTMLParser
from itertools import count

from locust import HttpUser, between, events, task
from locust.exception import RescheduleTask

USER_NAMES = os.environ.get("LOAD_USER_NAMES", "load01").split(",")
PASSWORD = os.environ.get("LOAD_PASSWORD", "load-test")
CUSTOMER = "10000"  # Adatum Corporation, ships from MAIN (no bins, no picks)
ATO_ITEM = "WS-CUSTOM"
STOCK_ITEM = "MONITOR-27"
MSG_TRY_AGAIN = "Try again."
refusals: Counter[str] = Counter()  # what the app refused on purpose, by step and status
_next_user = count()


class Forms(HTMLParser):
    """The forms of a page or partial, as the browser submits them: id, action, and every named field,
    including those outside the form that name it with form="…" (the lines grid's cells)."""

    def __init__(self, html: str):
        super().__init__()
        self.forms: list[dict] = []
        self._open: list[dict] = []
        self._fields: list[tuple[str | None, dict, str, str]] = []
        self.feed(html)
        by_id = {form["id"]: form for form in self.forms if form["id"]}
        for owner, form, name, value in self._fields:
            target = by_id.get(owner) if owner else form
            if target is not None:
                target["fields"][name] = value

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {key: value or "" for key, value in attrs}
        if tag == "form":
            form = {
                "id": a.get("id", ""),
                "action": a.get("action", ""),
                "method": a.get("method", "get").lower(),
                "fields": {},
            }
            self.forms.append(form)
            self._open.append(form)
        elif tag in ("input", "select", "textarea") and a.get("name"):
            if a.get("type") in ("radio", "checkbox") and "checked" not in a:
                return
            if a.get("type") in ("submit", "button"):
                return
            current = self._open[-1] if self._open else None
            self._fields.append((a.get("form"), current, a["name"], a.get("value", "")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._open:
            self._open.pop()

    def action(self, pattern: str, method: str = "post") -> dict | None:
        """The first form that sends `method` to an action matching `pattern`."""
        for form in self.forms:
            if form["method"] == method and re.search(pattern, form["action"]):
                return form
        return None


class Refused(Exception):
    pass


class SalesOrderProcessor(HttpUser):
    wait_time = between(0.5, 2)

    def on_start(self) -> None:
        self.username = USER_NAMES[next(_next_user) % len(USER_NAMES)]
        self.csrf = ""
        page = self.get("/login/", "login page")
        token = Forms(page.text).action(r"/login/")["fields"]["csrfmiddlewaretoken"]
        self.send(
            "POST",
            "/login/",
            "sign in",
            expect=(302,),
            data={"csrfmiddlewaretoken": token, "username": self.username, "password": PASSWORD, "next": ""},
        )

    # --- requests, judged -------------------------------------------------------------------------

    def send(self, method: str, url: str, name: str, *, expect=(200,), htmx=False, refusable=False, **kwargs):
        headers = kwargs.pop("headers", {})
        if htmx:
            headers |= {"HX-Request": "true", "X-CSRFToken": self.csrf}
        refused = None
        with self.client.request(
            method, url, name=name, headers=headers, allow_redirects=False, catch_response=True, **kwargs
        ) as response:
            status = response.status_code
            if status in expect:
                response.success()
            elif status == 409 and MSG_TRY_AGAIN in response.text:
                response.success()
                refused = f"{name}: 409 lock wait"
            elif status == 422 and refusable:
                response.success()
                refused = f"{name}: 422 refused"
            else:
                text = " ".join(response.text.split())[:300]
                response.failure(f"HTTP {status}: {text}")
                refused = f"{name}: failed"
        if refused:
            refusals[refused] += 1
            raise RescheduleTask()
        match = re.search(r'"X-CSRFToken": "([^"]+)"', response.text)
        if match:  # the full page's body hx-headers: what htmx sends with every request
            self.csrf = match[1]
        return response

    def get(self, url: str, name: str, **kwargs):
        return self.send("GET", url, name, **kwargs)

    # --- the flow ---------------------------------------------------------------------------------

    @task(5)
    def sell_ship_undo_and_invoice(self) -> None:
        page = self.get("/sales/orders/new/", "new sales order")
        form = Forms(page.text).action(r"/sales/orders/new/$")
        created = self.send(
            "POST",
            form["action"],
            "create sales order",
            expect=(302,),
            data=form["fields"] | {"customer": CUSTOMER},
        )
        card = created.headers["Location"]
        order = re.search(r"/sales/orders/(\d+)/", card)[1]
        page = self.get(card, "sales order card")

        form = Forms(page.text).action(r"/lines/$")
        lines = self.send(
            "POST",
            form["action"],
            "add line",
            htmx=True,
            data=form["fields"] | {"new-item": ATO_ITEM, "new-quantity": "2"},
        )
        row = re.search(
            r'<tr id="line-(\d+)"[^>]*data-row-save="([^"]+)" data-row-prefix="([^"]+)"', lines.text
        )
        line, save_url, prefix = row[1], row[2], row[3]
        self.send(
            "POST",
            save_url,
            "line: Qty. to Assemble to Order",
            htmx=True,
            data={f"{prefix}-qty_to_assemble_to_order": "1"},
        )
        self.get(f"/sales/orders/{order}/lines/{line}/factbox/", "line factbox", htmx=True)
        form = Forms(lines.text).action(r"/lines/$")  # a second line, from stock
        self.send(
            "POST",
            form["action"],
            "add line",
            htmx=True,
            data=form["fields"] | {"new-item": STOCK_ITEM, "new-quantity": "1"},
        )

        dialog = self.get(f"/sales/orders/{order}/lines/{line}/reservation/", "reservation dialog", htmx=True)
        form = Forms(dialog.text).action(r"/auto-reserve/$")
        self.send("POST", form["action"], "auto reserve", htmx=True, refusable=True, data=form["fields"])

        form = Forms(page.text).action(r"/release/$")
        released = self.send("POST", form["action"], "release", expect=(200, 302), data=form["fields"])
        if released.status_code == 200:  # components short: BC asks first
            form = Forms(released.text).action(r"/release/$")
            self.send(
                "POST",
                form["action"],
                "release (confirm)",
                expect=(302,),
                data=form["fields"] | {"confirm_shortage": "1"},
            )

        posted = self.post_order(order, "ship")
        shipment = re.search(r'href="(/sales/shipments/\d+/)"', posted.text)[1]
        page = self.get(shipment, "posted shipment card")
        undo = re.search(r'href="(/sales/shipments/\d+/lines/\d+/undo/)"', page.text)[1]
        page = self.get(undo, "undo shipment question")
        form = Forms(page.text).action(r"/undo/$")
        self.send("POST", form["action"], "undo shipment", expect=(302,), refusable=True, data=form["fields"])

        self.post_order(order, "ship_invoice", expect=(204,))
        self.get(card, "sales order card (completed)")

    def post_order(self, order: str, choice: str, *, expect=(200,)):
        """Post…: the dialog shows what it will post and its fingerprint; the post sends both back."""
        url = f"/sales/orders/{order}/post/"
        dialog = self.get(f"{url}?choice={choice}", f"post dialog ({choice})", htmx=True)
        form = Forms(dialog.text).action(r"/post/$")
        if form is None:  # the dialog says why it cannot post now
            refusals[f"post dialog ({choice}): cannot post"] += 1
            raise RescheduleTask()
        return self.send(
            "POST", url, f"post ({choice})", expect=expect, htmx=True, refusable=True, data=form["fields"]
        )

    @task(1)
    def look_around(self) -> None:
        self.get("/sales/orders/", "sales orders list")
        self.get("/sales/shipments/", "posted shipments list")
        self.get("/inventory/item-ledger-entries/", "item ledger entries")


@events.test_stop.add_listener
def save_refusals(environment, **kwargs) -> None:
    path = os.environ.get("LOAD_REPORT")
    if path:
        with open(path, "w") as out:
            json.dump(dict(refusals), out, indent=1, sort_keys=True)
