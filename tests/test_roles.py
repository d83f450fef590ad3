"""R-ROLE-1: the role matrix.

Every URL pattern of the project (the resolver walked from `config.urls`, so a new URL without an entry
in `EXPECTED` fails here) × every role and a user without one × each method the view serves: allowed
(not 403) or refused (403; the admin refuses a non-staff user by sending it to its login instead) as
the table says, and a refused request changes nothing (every table, compared with test_fuzz's
`snapshot`). App URLs are requested as a plain request and as htmx (the partial checks its permission
itself, and answers in the page's #alerts). Every request runs against the same world (test_fuzz's),
rolled back after it; for the actions in `MUST_CHANGE` the allowed request must change data, so that
"a refusal changes nothing" is not true merely because the request would have done nothing anyway.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from inventory.models import Bin, Item, ItemJournalLine, ItemRegister
from inventory.permissions import (
    ADMINISTRATOR,
    ASSEMBLY_MANAGER,
    MSG_FORBIDDEN,
    SALES_ORDER_PROCESSOR,
    WAREHOUSE_WORKER,
)
from sales.models import Customer, InventoryPickHeader, SalesHeader, SalesShipmentHeader
from sales.services.invoicing import PostChoice, posting_summary
from sales.services.lines import save_sales_line
from sales.services.navigate import GROUPS
from sales.services.orders import create_sales_order, release_sales_order
from sales.services.picks import pick_fingerprint
from tests.factories import UserFactory
from tests.test_fuzz import World, changed, describe, snapshot

pytestmark = pytest.mark.django_db

P, W, A, ADMIN, NOBODY = "processor", "warehouse", "assembly", "administrator", "nobody"
USERS = {
    P: [SALES_ORDER_PROCESSOR],
    W: [WAREHOUSE_WORKER],
    A: [ASSEMBLY_MANAGER],
    ADMIN: [ADMINISTRATOR],  # and is_staff, as an administrator needs to open the admin
    NOBODY: [],
}
EVERYONE = frozenset(USERS)
ALL_TABLES = tuple(config.label for config in apps.get_app_configs() if config.models_module)


def only(*who: str) -> frozenset[str]:
    return frozenset(who)


@dataclass(frozen=True)
class Rule:
    """Who may send a GET, who a POST; None: the view does not serve that method (405)."""

    get: frozenset[str] | None = None
    post: frozenset[str] | None = None

    def methods(self) -> dict[str, frozenset[str]]:
        return {m: who for m, who in (("GET", self.get), ("POST", self.post)) if who is not None}


def reads(*who: str) -> Rule:
    return Rule(get=frozenset(who) or EVERYONE)


def acts(*who: str) -> Rule:
    return Rule(post=frozenset(who))


def both(*who: str) -> Rule:
    return Rule(get=frozenset(who), post=frozenset(who))


# --- the table: the project's own URLs -------------------------------------------------------

EXPECTED: dict[str, Rule] = {
    "home": Rule(get=EVERYONE, post=EVERYONE),  # a redirect to the Sales Orders list
    "login": Rule(get=EVERYONE, post=EVERYONE),
    "logout": Rule(post=EVERYONE),
    # Sales orders: read by everyone; changed, reserved, released and posted by the processor.
    "sales:order-list": reads(),
    "sales:order-new": both(P),
    "sales:order-card": reads(),
    "sales:header-change": acts(P),
    "sales:line-add": acts(P),
    "sales:line-row": Rule(get=EVERYONE, post=only(P)),
    "sales:line-delete": acts(P),
    "sales:line-factbox": reads(),
    "sales:factbox-drilldown": reads(),
    "sales:use-available": acts(P),
    "sales:reservation": reads(P),
    "sales:reservation-action": acts(P),
    "sales:order-columns": acts(P),
    "sales:order-release": acts(P),
    "sales:order-reopen": acts(P),
    "sales:order-post": both(P),
    "sales:order-post-preview": reads(P),
    # Inventory picks: the warehouse's.
    "sales:order-create-pick": acts(W),
    "sales:pick-list": reads(),
    "sales:pick-card": reads(),
    "sales:pick-lines": acts(W),
    "sales:pick-autofill": acts(W),
    "sales:pick-delete": acts(W),
    "sales:pick-post": acts(W),
    # Posted documents: read by everyone; Undo Shipment (its question too) by the processor.
    "sales:shipment-list": reads(),
    "sales:shipment-card": reads(),
    "sales:shipment-line-undo": both(P),
    "sales:invoice-list": reads(),
    "sales:invoice-card": reads(),
    "sales:find-entries": reads(),
    "sales:find-entries-group": reads(),
    # Assembly orders: read by everyone; the assembly manager's otherwise.
    "assembly:order-list": reads(),
    "assembly:order-new": both(A),
    "assembly:order-card": reads(),
    "assembly:order-header-change": acts(A),
    "assembly:line-add": acts(A),
    "assembly:line-change": acts(A),
    "assembly:line-delete": acts(A),
    "assembly:order-release": acts(A),
    "assembly:order-reopen": acts(A),
    "assembly:order-post": acts(A),
    "assembly:order-delete": both(A),
    "assembly:posted-list": reads(),
    "assembly:posted-card": reads(),
    # The item journal (a worksheet, not a read-only page) is the warehouse's; the ledger everyone's.
    "inventory:item-journal": reads(W),
    "inventory:journal-line-add": acts(W),
    "inventory:journal-line-change": acts(W),
    "inventory:journal-line-delete": acts(W),
    "inventory:journal-post": acts(W),
    "inventory:ledger-entries": reads(),
    # Item Registers (R-AUD-1): read-only, everyone's, like the ledger they index.
    "inventory:item-registers": reads(),
    "inventory:item-register": reads(),
}

# --- the table: the Django admin ---------------------------------------------------------------
# Staff only: the admin sends everyone else to its login. Site pages below; each registered model's
# pages by what the Administrator may do with the model (v)iew, (a)dd, (c)hange, (d)elete there.

STAFF = only(ADMIN)
ADMIN_SITE: dict[str, Rule] = {
    "admin:index": Rule(get=STAFF, post=STAFF),
    "admin:login": Rule(get=EVERYONE, post=EVERYONE),  # a staff user is sent on to the index
    "admin:logout": Rule(post=STAFF),
    "admin:password_change": Rule(get=STAFF, post=STAFF),
    "admin:password_change_done": Rule(get=STAFF),
    "admin:autocomplete": Rule(get=STAFF),
    "admin:jsi18n": Rule(get=STAFF),
    "admin:view_on_site": Rule(get=STAFF, post=STAFF),
    "admin:app_list": Rule(get=STAFF, post=STAFF),
    "admin/(?P<url>.*)$": Rule(get=STAFF, post=STAFF),  # the catch-all: 404 for staff
}
ADMIN_RIGHTS = {
    "inventory.item": "vacd",
    "inventory.location": "vacd",
    "inventory.bin": "vacd",
    "inventory.noseries": "vacd",
    "inventory.postingsetup": "vac",  # the one setup record is never deleted
    "sales.customer": "vacd",
    "inventory.itemledgerentry": "v",  # posted records: read-only in the admin
    "inventory.itemapplicationentry": "v",
    "inventory.itemregister": "v",
    "assembly.assemblyheader": "v",
    "assembly.postedassemblyheader": "v",
    "auth.user": "",  # users and groups: the superuser's
    "auth.group": "",
    # django-axes' records of sign-ins and lockouts: the superuser's (or `manage.py axes_reset`).
    "axes.accessattempt": "",
    "axes.accesslog": "",
    "axes.accessfailurelog": "",
}
# A model's admin page (the route after admin/<app>/<model>/) and the right its GET and POST need.
ADMIN_PAGES = {
    "": ("v", "v"),  # the change list
    "add/": ("a", "a"),
    "<path:object_id>/change/": ("v", "c"),
    "<path:object_id>/delete/": ("d", "d"),
    "<path:object_id>/history/": ("v", "v"),
    "<path:object_id>/": ("", ""),  # a redirect to the change page
    "<id>/password/": ("c", "c"),  # a user's password
}
ADMIN_MODEL_ROUTE = re.compile(r"^admin/(?P<app>[a-z_]+)/(?P<model>[a-z_]+)/(?P<page>.*)$")


def admin_model_rule(route: str) -> Rule | None:
    match = ADMIN_MODEL_ROUTE.match(route)
    if match is None or match["page"] not in ADMIN_PAGES:
        return None
    rights = ADMIN_RIGHTS.get(f"{match['app']}.{match['model']}")
    if rights is None:
        return None
    get, post = (STAFF if set(right) <= set(rights) else frozenset() for right in ADMIN_PAGES[match["page"]])
    return Rule(get=get, post=post)


# --- the URL patterns --------------------------------------------------------------------------


@dataclass(frozen=True)
class Pattern:
    key: str  # "namespace:name", or the route for an unnamed pattern
    route: str
    name: str | None
    admin: bool = field(default=False)


def url_patterns(resolver=None, prefix: str = "", namespace: str = "") -> Iterator[Pattern]:
    """Every URL pattern reachable from config.urls, depth first."""
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            inner = ":".join(n for n in (namespace, entry.namespace) if n)
            yield from url_patterns(entry, prefix + str(entry.pattern), inner)
        else:
            assert isinstance(entry, URLPattern)
            route = prefix + str(entry.pattern)
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            yield Pattern(key=name or route, route=route, name=name, admin=route.startswith("admin/"))


def rule_for(pattern: Pattern) -> Rule | None:
    if pattern.admin:
        return ADMIN_SITE.get(pattern.key) or admin_model_rule(pattern.route)
    return EXPECTED.get(pattern.key)


PATTERNS = list(url_patterns())


def test_every_url_pattern_has_an_entry_in_the_table_and_every_entry_a_pattern():
    missing = [p.key for p in PATTERNS if rule_for(p) is None]
    assert missing == [], (
        f"URL patterns without an entry in tests/test_roles.py (say who may use them): {missing}"
    )
    keys = {p.key for p in PATTERNS}
    assert set(EXPECTED) - keys == set() and set(ADMIN_SITE) - keys == set()
    admin_models = {f"{m['app']}.{m['model']}" for p in PATTERNS if (m := ADMIN_MODEL_ROUTE.match(p.route))}
    assert set(ADMIN_RIGHTS) <= admin_models


# --- requests ----------------------------------------------------------------------------------

MUST_CHANGE = {  # (URL, method) that change data when allowed, with the sample below
    ("sales:order-new", "POST"),
    ("sales:line-add", "POST"),
    ("sales:line-row", "POST"),
    ("sales:line-delete", "POST"),
    ("sales:reservation-action", "POST"),
    ("sales:order-columns", "POST"),
    ("sales:order-release", "POST"),
    ("sales:order-reopen", "POST"),
    ("sales:order-post", "POST"),
    ("sales:order-create-pick", "POST"),
    ("sales:pick-lines", "POST"),
    ("sales:pick-delete", "POST"),
    ("sales:pick-post", "POST"),
    ("sales:shipment-line-undo", "POST"),
    ("assembly:order-new", "POST"),
    ("assembly:order-header-change", "POST"),
    ("assembly:line-add", "POST"),
    ("assembly:line-change", "POST"),
    ("assembly:line-delete", "POST"),
    ("assembly:order-release", "POST"),
    ("assembly:order-reopen", "POST"),
    ("assembly:order-post", "POST"),
    ("assembly:order-delete", "POST"),
    ("inventory:journal-line-add", "POST"),
    ("inventory:journal-line-change", "POST"),
    ("inventory:journal-line-delete", "POST"),
    ("inventory:journal-post", "POST"),
}


@dataclass
class Sample:
    path: str
    query: dict = field(default_factory=dict)
    data: dict = field(default_factory=dict)


def sample(pattern: Pattern, world: World, user) -> Sample:
    """A request of the pattern against the world: real objects, and for an action data that would
    change something if it were allowed."""
    pk = world.pks
    today = timezone.localdate().isoformat()
    own_journal_line = ItemJournalLine.objects.filter(user=user).order_by("pk").first().pk
    first_asm_line = world.resolve("AL:AO_MAIN:0")
    app_urls = {
        "sales:order-new": ([], {}, {"customer": "10000"}),
        "sales:header-change": (
            [pk["SO_MAIN"]],
            {},
            {
                "header-customer": "20000",
                "header-order_date": today,
                "header-posting_date": today,
                "header-shipment_date": today,
                "header-location": "MAIN",
            },
        ),
        "sales:line-add": ([pk["SO_MAIN"]], {}, {"new-item": "PART-B", "new-quantity": "1"}),
        "sales:line-row": ([pk["SO_MAIN"], pk["L_PART"]], {}, {f"line-{pk['L_PART']}-quantity": "3"}),
        "sales:line-delete": ([pk["SO_MAIN"], pk["L_PART"]], {}, {}),
        "sales:line-factbox": ([pk["SO_MAIN"], pk["L_KIT"]], {}, {}),
        "sales:factbox-drilldown": ([pk["SO_MAIN"], pk["L_KIT"], "available-inventory"], {}, {}),
        "sales:use-available": ([pk["SO_MAIN"], pk["L_KIT"]], {}, {}),
        "sales:reservation": ([pk["SO_MAIN"], pk["L_PART"]], {}, {}),
        "sales:reservation-action": (
            [pk["SO_MAIN"], pk["L_PART"], "cancel"],
            {},
            {"supply_type": "ILE"},
        ),
        "sales:order-columns": ([pk["SO_MAIN"]], {}, {"show": ["qty_to_invoice"]}),
        "sales:order-release": ([pk["SO_MAIN"]], {}, {"confirm_shortage": "1"}),
        "sales:order-reopen": ([pk["SO_RELEASED"]], {}, {}),
        "sales:order-post": (
            [pk["SO_RELEASED"]],
            {},
            {"choice": PostChoice.SHIP, "fingerprint": world.post_fingerprint},
        ),
        "sales:order-post-preview": ([pk["SO_MAIN"]], {}, {}),
        "sales:order-create-pick": ([pk["SO_PICK_NEXT"]], {}, {}),
        "sales:pick-card": ([pk["PICK"]], {}, {}),
        "sales:pick-lines": ([pk["PICK"]], {}, {f"line-{pk['PL0']}-qty_to_handle": "1"}),
        "sales:pick-autofill": ([pk["PICK"]], {}, {}),
        "sales:pick-delete": ([pk["PICK"]], {}, {}),
        "sales:pick-post": (
            [pk["PICK"]],
            {},
            {f"line-{pk['PL0']}-qty_to_handle": "2", "fingerprint": world.pick_fingerprint},
        ),
        "sales:order-card": ([pk["SO_MAIN"]], {}, {}),
        "sales:shipment-card": ([pk["SHIP"]], {}, {}),
        "sales:shipment-line-undo": ([pk["SHIP"], pk["SHIP_LINE"]], {}, {}),
        "sales:invoice-card": ([pk["INV"]], {}, {}),
        "sales:find-entries": ([], {"no": world.shipment_no}, {}),
        "sales:find-entries-group": ([GROUPS[0].slug], {"no": world.shipment_no}, {}),
        "assembly:order-new": (
            [],
            {},
            {"item": "LAMP", "quantity": "1", "location": "MAIN", "due_date": today},
        ),
        "assembly:order-card": ([pk["AO_MAIN"]], {}, {}),
        "assembly:order-header-change": (
            [pk["AO_MAIN"]],
            {},
            {"header-quantity": "3", "header-quantity_to_assemble": "3", "header-due_date": today},
        ),
        "assembly:line-add": ([pk["AO_MAIN"]], {}, {"new-item": "KIT", "new-quantity_per": "1"}),
        "assembly:line-change": (
            [pk["AO_MAIN"], first_asm_line],
            {},
            {f"line-{first_asm_line}-quantity_per": "4"},
        ),
        "assembly:line-delete": ([pk["AO_MAIN"], first_asm_line], {}, {}),
        "assembly:order-release": ([pk["AO_MAIN"]], {}, {}),
        "assembly:order-reopen": ([pk["AO_RELEASED"]], {}, {}),
        "assembly:order-post": ([pk["AO_MAIN"]], {}, {}),
        "assembly:order-delete": ([pk["AO_MAIN"]], {}, {}),
        "assembly:posted-card": ([pk["PAO"]], {}, {}),
        "inventory:journal-line-add": (
            [],
            {},
            {
                "new-entry_type": "POS_ADJ",
                "new-posting_date": today,
                "new-item": "PART-A",
                "new-location": "MAIN",
                "new-quantity": "1",
                "new-unit_cost": "1",
            },
        ),
        "inventory:journal-line-change": (
            [own_journal_line],
            {},
            {
                f"line-{own_journal_line}-entry_type": "POS_ADJ",
                f"line-{own_journal_line}-posting_date": today,
                f"line-{own_journal_line}-item": "PART-A",
                f"line-{own_journal_line}-location": "MAIN",
                f"line-{own_journal_line}-quantity": "7",
                f"line-{own_journal_line}-unit_cost": "1",
            },
        ),
        "inventory:journal-line-delete": ([own_journal_line], {}, {}),
        "inventory:journal-post": ([], {}, {"confirm": "1"}),
        "inventory:item-register": ([world.register_no], {}, {}),
    }
    if pattern.admin:
        return admin_sample(pattern, world, user)
    args, query, data = app_urls.get(pattern.key, ([], {}, {}))
    return Sample(reverse(pattern.key, args=args), query, data)


def admin_sample(pattern: Pattern, world: World, user) -> Sample:
    if pattern.key == "admin/(?P<url>.*)$":
        return Sample("/admin/no-such-page/")
    if pattern.key == "admin:app_list":
        return Sample(reverse(pattern.key, args=["inventory"]))
    if pattern.key == "admin:view_on_site":
        content_type = ContentType.objects.get_for_model(SalesHeader)
        return Sample(reverse(pattern.key, args=[content_type.pk, world.pks["SO_MAIN"]]))
    if pattern.key == "admin:autocomplete":
        return Sample(
            reverse(pattern.key), {"app_label": "inventory", "model_name": "bin", "field_name": "location"}
        )
    match = ADMIN_MODEL_ROUTE.match(pattern.route)
    if pattern.key in ADMIN_SITE or match is None:
        return Sample(reverse(pattern.key))
    model = apps.get_model(match["app"], match["model"])
    obj = user if model is type(user) else model._default_manager.order_by("pk").first()
    path = "/" + pattern.route.replace("<path:object_id>", str(obj.pk)).replace("<id>", str(obj.pk))
    return Sample(path, data={"post": "yes"} if match["page"].endswith("delete/") else {})


def refused(response, pattern: Pattern) -> bool:
    """A 403; in the admin also its way of refusing a non-staff user: to the admin login (or, for its
    logout, to the index, which sends it on to the login)."""
    if response.status_code == 403:
        return True
    if pattern.admin and response.status_code == 302:
        target = response.headers["Location"].split("?")[0]
        if pattern.key == "admin:logout":
            return target == reverse("admin:index")
        return target == reverse("admin:login") and pattern.key != "admin:login"
    return False


class RolesWorld(World):
    """test_fuzz's world, plus a released order at SILVER whose line has no pick yet (Create
    Inventory Pick), the number of a posted shipment (Find entries) and django-axes' records of a failed
    sign-in (its admin pages)."""

    def __init__(self, *, user, superuser):
        super().__init__(user=user, staff_user=superuser, user_client=Client())
        header = create_sales_order(customer=Customer.objects.get(no="10000"))  # at SILVER
        shelf = Bin.objects.get(location__code="SILVER", code="S-01")
        values = {"item": Item.objects.get(no="PART-B"), "quantity": Decimal(1), "bin": shelf}
        save_sales_line(header=header, values=values)
        release_sales_order(header=header, confirm_shortage=True)
        self.pks["SO_PICK_NEXT"] = header.pk
        self.shipment_no = SalesShipmentHeader.objects.get(pk=self.pks["SHIP"]).no
        released = SalesHeader.objects.get(pk=self.pks["SO_RELEASED"])
        self.post_fingerprint = posting_summary(header=released, choice=PostChoice.SHIP)[1]
        self.register_no = ItemRegister.objects.order_by("no").first().no
        pick = InventoryPickHeader.objects.get(pk=self.pks["PICK"])
        self.pick_fingerprint = pick_fingerprint(list(pick.lines.order_by("line_no")))
        attempt = {
            "username": "nobody",
            "ip_address": "10.0.0.1",
            "user_agent": "test",
            "path_info": "/login/",
        }
        AccessAttempt.objects.create(**attempt, failures_since_start=1)
        AccessLog.objects.create(**attempt)
        AccessFailureLog.objects.create(**attempt)


def role_user(role: str):
    return UserFactory(username=role, roles=USERS[role], is_staff=role == ADMIN)


HTMX = {"HTTP_HX_REQUEST": "true"}


@dataclass(frozen=True)
class Case:
    pattern: Pattern
    method: str
    htmx: bool

    def __str__(self) -> str:
        return f"{self.method} {self.pattern.key}{' (htmx)' if self.htmx else ''}"


def cases() -> list[Case]:
    """Every pattern with every method its rule names, plain and (app URLs) as htmx."""
    found = []
    for pattern in PATTERNS:
        rule = rule_for(pattern)
        for method in rule.methods() if rule else ():
            found += [Case(pattern, method, htmx) for htmx in ((False,) if pattern.admin else (False, True))]
    return found


CASES = cases()


def send(client: Client, case: Case, request: Sample):
    headers = HTMX if case.htmx else {}
    if case.method == "GET":
        return client.get(request.path, request.query, **headers)
    path = request.path + (
        "?" + "&".join(f"{k}={v}" for k, v in request.query.items()) if request.query else ""
    )
    return client.post(path, request.data, **headers)


@pytest.mark.parametrize("role", sorted(USERS))
def test_r_role_1_every_url_for_every_role_allowed_or_refused_and_a_refusal_changes_nothing(role):
    """The matrix, one role at a time: each case against the same world (rolled back after it)."""
    user = role_user(role)
    world = RolesWorld(user=user, superuser=UserFactory(staff=True, username="root"))
    client = Client(raise_request_exception=False)
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    before = snapshot(ALL_TABLES)
    wrong = []
    for case in CASES:
        allowed = role in rule_for(case.pattern).methods()[case.method]
        with transaction.atomic():
            request = sample(case.pattern, world, user)
            response = send(client, case, request)
            after = snapshot(ALL_TABLES)
            transaction.set_rollback(True)
        client.cookies[settings.SESSION_COOKIE_NAME] = session  # a logout is undone with the rest
        client.cookies.pop("messages", None)
        status = response.status_code
        if status >= 500:
            wrong.append(f"{case}: HTTP {status}")
        elif refused(response, case.pattern) == allowed:
            wrong.append(f"{case}: {'refused' if allowed else 'allowed'} (HTTP {status})")
        elif not allowed and after != before:
            wrong.append(f"{case}: refused, yet changed data:\n{describe(before, after)}")
        elif not allowed and status == 403:
            text = response.content.decode()
            if MSG_FORBIDDEN not in text and not case.pattern.admin:
                wrong.append(f"{case}: 403 without the message")
            if case.htmx and response.headers.get("HX-Retarget") != "#alerts":
                wrong.append(f"{case}: an htmx refusal not shown in #alerts")
        elif allowed and not case.pattern.admin and status in (404, 405):
            wrong.append(f"{case}: HTTP {status} (the sample names nothing?)")
        elif allowed and (case.pattern.key, case.method) in MUST_CHANGE and not changed(before, after):
            wrong.append(f"{case}: allowed, but the sample changed nothing (make it a real change)")
    assert wrong == [], f"{len(wrong)} of {len(CASES)} cases for {role}:\n" + "\n".join(wrong)


def test_a_view_serves_exactly_the_methods_of_its_entry(admin_client):
    """The other method is 405 for a superuser (who may do anything): the table lists every method a
    view serves, so the matrix tries each of them."""
    wrong = []
    superuser = admin_client  # pytest-django's superuser
    for pattern in PATTERNS:
        rule = rule_for(pattern)
        for method in {"GET", "POST"} - set(rule.methods()):
            response = send(superuser, Case(pattern, method, False), _any_sample(pattern))
            if response.status_code != 405:
                wrong.append(f"{method} {pattern.key}: HTTP {response.status_code}, not 405")
    assert wrong == []


def _any_sample(pattern: Pattern) -> Sample:
    """A path for a method the view does not serve: any ids will do, the method is refused first."""
    if pattern.admin:
        return Sample(reverse(pattern.key)) if pattern.name else Sample("/admin/no-such-page/")
    resolver_pattern = next(p for p in url_patterns() if p.key == pattern.key)
    args = [
        1 if "<id:" in part or "<int:" in part else "x"
        for part in resolver_pattern.route.split("/")
        if "<" in part
    ]
    return Sample(reverse(pattern.key, args=args))


# --- pages hide what the user may not do ---------------------------------------------------------

# (page, what the page shows for the action) -> the roles that see it.
SHOWN = {
    ("sales:order-list", 'primary" href="/sales/orders/new/">New</a>'): only(P),
    ("SO_MAIN", ">Release</button>"): only(P),
    ("SO_MAIN", ">Post…</a>"): only(P),
    ("SO_MAIN", ">Preview Posting</a>"): only(P),
    ("SO_MAIN", 'aria-label="Reserve line'): only(P),
    ("SO_MAIN", 'aria-label="Delete line'): only(P),
    ("SO_MAIN", '-quantity" form="line-'): only(P),  # the lines grid's inputs
    ("SO_MAIN", "Add line</button>"): only(P),
    ("SO_MAIN", 'id="header-form"'): only(P),
    ("SO_MAIN", "<summary>Choose columns</summary>"): only(P),
    ("SO_MAIN", "Use available inventory</button>"): only(P),
    ("SO_RELEASED", ">Reopen</button>"): only(P),
    ("SO_PICK_NEXT", ">Create Inventory Pick</button>"): only(W),
    ("PICK", ">Autofill Qty. to Handle</button>"): only(W),
    ("PICK", 'class="danger">Delete</button>'): only(W),
    ("PICK", '-qty_to_handle"'): only(W),
    ("PICK", 'hx-disabled-elt="this">Post</button>'): only(W),
    ("SHIP", ">Undo Shipment</a>"): only(P),
    ("sales:pick-list", ">Item Journal</a>"): only(W),  # the main navigation, on every page
    ("assembly:order-list", 'primary" href="/assembly/orders/new/">New</a>'): only(A),
    ("AO_MAIN", ">Release</button>"): only(A),
    ("AO_MAIN", 'class="primary">Post</button>'): only(A),
    ("AO_MAIN", ">Delete</a>"): only(A),
    ("AO_MAIN", 'name="header-quantity"'): only(A),
    ("AO_MAIN", ">Edit</a>"): only(A),
    ("AO_MAIN", "Add line</button>"): only(A),
    ("AO_RELEASED", ">Reopen</button>"): only(A),
}
CARDS = {
    "SO_MAIN": "sales:order-card",
    "SO_RELEASED": "sales:order-card",
    "SO_PICK_NEXT": "sales:order-card",
    "PICK": "sales:pick-card",
    "SHIP": "sales:shipment-card",
    "AO_MAIN": "assembly:order-card",
    "AO_RELEASED": "assembly:order-card",
}


@pytest.mark.parametrize("role", sorted(USERS))
def test_r_role_1_pages_show_only_the_actions_the_role_may_take(role):
    user = role_user(role)
    world = RolesWorld(user=user, superuser=UserFactory(staff=True, username="root"))
    client = Client()
    client.force_login(user)
    pages = {}
    wrong = []
    for (page, marker), who in SHOWN.items():
        if page not in pages:
            path = reverse(CARDS[page], args=[world.pks[page]]) if page in CARDS else reverse(page)
            response = client.get(path + ("?line=" + str(world.pks["L_KIT"]) if page == "SO_MAIN" else ""))
            assert response.status_code == 200, page
            pages[page] = response.content.decode()
        if (marker in pages[page]) != (role in who):
            wrong.append(f"{page}: {marker!r} {'missing' if role in who else 'shown'}")
    assert wrong == []
