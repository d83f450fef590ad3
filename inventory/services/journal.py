"""Item journal operations (R-INV-4): add, change, delete draft lines; post them all at once."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from ..models import ItemJournalLine, ItemLedgerEntry
from ..numbering import next_no
from .posting import EntryToPost, post_item_entries

MSG_NOTHING_TO_POST = "There is nothing to post."
MSG_LINE_ERROR = "Line {n} ({item}): {error}"


def post_item_journal(*, user: AbstractBaseUser) -> list[ItemLedgerEntry]:
    """Post every line of the user's item journal in one transaction and empty the journal.

    Any error (an invalid line, a shortage) raises and leaves the journal and the ledger untouched.
    The lines are locked first, so a second Post of the same journal (double click, two tabs) waits
    and then finds nothing to post.
    """
    with transaction.atomic():
        lines = list(
            ItemJournalLine.objects.select_for_update(of=("self",))
            .filter(user=user)
            .select_related("item", "location", "bin")
            .order_by("pk")
        )
        if not lines:
            raise ValidationError(MSG_NOTHING_TO_POST)
        errors = []
        for n, line in enumerate(lines, start=1):
            try:
                line.clean()
            except ValidationError as exc:
                errors += [
                    MSG_LINE_ERROR.format(n=n, item=line.item.no, error=message) for message in exc.messages
                ]
        if errors:
            raise ValidationError(errors)
        document_no = next_no("ITEM-JNL") if any(not line.document_no for line in lines) else ""
        entries = post_item_entries(
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
    return entries
