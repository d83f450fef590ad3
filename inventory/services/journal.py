"""Item journal operations (R-INV-4): post the user's draft lines all at once."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError

from ..audit import acting_as
from ..locks import lock_items, operation
from ..models import ItemJournalLine, ItemLedgerEntry, PostingSetup
from ..numbering import next_no
from .posting import EntryToPost, post_item_entries

MSG_NOTHING_TO_POST = "There is nothing to post."
MSG_LINE_ERROR = "Line {n} ({item}): {error}"


def _check_lines(lines: list[ItemJournalLine]) -> None:
    errors = []
    setup = PostingSetup.current()
    for n, line in enumerate(lines, start=1):
        try:
            line.clean()
            setup.check_posting_date(line.posting_date)  # R-INV-6
        except ValidationError as exc:
            errors += [
                MSG_LINE_ERROR.format(n=n, item=line.item.no, error=message) for message in exc.messages
            ]
    if errors:
        raise ValidationError(errors)


def post_item_journal(*, user: AbstractBaseUser) -> list[ItemLedgerEntry]:
    """Post every line of the user's item journal in one transaction and empty the journal.

    Any error (an invalid line, a posting date outside the allowed range, a shortage) raises and leaves
    the journal and the ledger untouched. A Negative Adjmt. takes only unreserved stock (R-INV-2): it
    posts for no demand. The lines are locked first, so a second Post of the same journal (double
    click, two tabs) waits and then finds nothing to post. The entries and their register record the
    journal's user (R-AUD-1), whoever runs the code: the journal is that user's worksheet.
    """
    with operation(), acting_as(user):
        lines = list(
            ItemJournalLine.objects.select_for_update(of=("self",))
            .filter(user=user)
            .select_related("item", "location", "bin")
            .order_by("pk")
        )
        if not lines:
            raise ValidationError(MSG_NOTHING_TO_POST)
        _check_lines(lines)
        lock_items(line.item_id for line in lines)  # before the number series (see inventory.locks)
        document_no = (
            next_no("ITEM-JNL", used_by=ItemLedgerEntry, field="document_no")
            if any(not line.document_no for line in lines)
            else ""
        )
        posted = post_item_entries(
            [
                EntryToPost(
                    entry_type=line.entry_type,
                    document_type=ItemLedgerEntry.DocumentType.ITEM_JOURNAL,
                    document_no=line.document_no or document_no,
                    document_line_no=n * 10000,
                    posting_date=line.posting_date,
                    item=line.item,
                    location=line.location,
                    bin=line.bin,
                    quantity=line.signed_quantity,
                    unit_cost=line.unit_cost,
                )
                for n, line in enumerate(lines, start=1)
            ]
        )
        ItemJournalLine.objects.filter(pk__in=[line.pk for line in lines]).delete()
    return posted.entries
