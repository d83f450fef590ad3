// Dialogs loaded by htmx (Reservation, drill-downs) open as modal <dialog>s: Escape closes them natively,
// and a closed dialog is removed so the next one starts fresh.
(function () {
  function openDialogs(root) {
    const dialogs = root.matches && root.matches("dialog[data-modal]") ? [root] : [];
    if (root.querySelectorAll) dialogs.push(...root.querySelectorAll("dialog[data-modal]"));
    dialogs.forEach(function (dialog) {
      if (!dialog.open) dialog.showModal();
    });
  }
  // The line the Sales Line Details FactBox shows is marked in the lines grid.
  function markSelectedLine() {
    const factbox = document.getElementById("factbox");
    if (!factbox) return;
    document.querySelectorAll(".sales-lines tbody tr[id^='line-']").forEach(function (row) {
      row.classList.toggle("selected", row.id === "line-" + factbox.dataset.line);
    });
  }
  document.addEventListener("htmx:load", function (event) {
    openDialogs(event.detail.elt);
    markSelectedLine();
  });
  document.addEventListener(
    "close",
    function (event) {
      if (event.target.matches && event.target.matches("dialog[data-modal]")) event.target.remove();
    },
    true
  );
})();

// Date inputs commit a complete date once (R-INV-6). While the user types "12/01/2026", Chromium fires
// `change` at every segment that makes a valid date (year 0002, 0020, 0202, 2026): those are held back
// while the input has focus, and one `change` is sent when the user leaves it or presses Enter.
(function () {
  let committing = null;
  function isDate(el) {
    return el && el.matches && el.matches("input[type=date]");
  }
  function commit(input) {
    if (input.dataset.focusValue === input.value) return;
    input.dataset.focusValue = input.value;
    committing = input;
    try {
      input.dispatchEvent(new Event("change", { bubbles: true }));
    } finally {
      committing = null;
    }
  }
  // (document.activeElement is not the date input itself while its fields take the keys: a flag is.)
  document.addEventListener("focusin", function (event) {
    if (!isDate(event.target)) return;
    event.target.dataset.focusValue = event.target.value;
    event.target.dataset.editing = "1";
  }, true);
  document.addEventListener("change", function (event) {
    const input = event.target;
    if (isDate(input) && input !== committing && input.dataset.editing) event.stopImmediatePropagation();
  }, true);
  document.addEventListener("focusout", function (event) {
    if (!isDate(event.target)) return;
    delete event.target.dataset.editing;
    if (event.target.isConnected && !event.target.dataset.swapping) commit(event.target);  // left, not replaced
  }, true);
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && isDate(event.target)) commit(event.target);
  }, true);
})();

// The sales lines grid saves a row cell by cell, in the order the user typed, one request at a time per
// row (R-SO-*, issue: "a fast keyboard user"). A cell is saved when the user leaves it having changed
// it (or presses Enter, which saves the row as shown); each request carries only that cell, captured
// when it was left, so two saves of different cells never undo each other. The queue is kept per row
// id, not on the row element, so it survives the row being replaced by a response. An answer is not
// swapped in while a later save of the row is on its way (that one answers for both), nor while the user
// is typing in the row: it waits until they leave the cell (a date half typed is never lost or sent).
// A save refused because another user held the order (409) can simply be sent again.
(function () {
  const queues = new Map(); // row id -> promise of the last request queued for that row
  const pending = new Map(); // row id -> requests queued or in flight
  const deferred = new Map(); // row id -> an answer held back while the user types in the row

  function rowOf(el) {
    return el && el.closest ? el.closest("tr[data-row-save]") : null;
  }
  function cellName(input, row) {
    const prefix = row.dataset.rowPrefix + "-";
    return input.name && input.name.indexOf(prefix) === 0 ? input.name : null;
  }
  function enqueue(row, values) {
    const id = row.id;
    const url = row.dataset.rowSave;
    const previous = queues.get(id) || Promise.resolve();
    const next = previous
      .catch(function () {})
      .then(function () {
        const current = document.getElementById(id);
        if (!current) return null; // the line was deleted meanwhile
        const payload = typeof values === "function" ? values(current) : values;
        return htmx.ajax("POST", url, { source: current, target: "#" + id, swap: "outerHTML", values: payload });
      });
    queues.set(id, next);
    pending.set(id, (pending.get(id) || 0) + 1);
    next.finally(function () {
      if (queues.get(id) === next) queues.delete(id);
      pending.set(id, pending.get(id) - 1);
    });
    return next;
  }
  function saveCell(input) {
    const row = rowOf(input);
    const name = row && cellName(input, row);
    if (!name || input.dataset.queued === input.value) return;
    if (input.value === input.defaultValue && input.dataset.queued === undefined) return;
    input.dataset.queued = input.value;
    const values = {};
    values[name] = input.value;
    enqueue(row, values);
  }
  function wholeRow(submitter) {
    return function (row) {
      const values = {};
      row.querySelectorAll("input[name], select[name]").forEach(function (input) {
        if (cellName(input, row)) values[input.name] = input.value;
      });
      if (submitter && submitter.name) values[submitter.name] = submitter.value;
      return values;
    };
  }

  document.addEventListener("change", function (event) {
    if (rowOf(event.target)) saveCell(event.target);
  });
  document.addEventListener("focusin", function (event) {
    if (rowOf(event.target) && event.target.type !== "date") event.target.dataset.focusValue = event.target.value;
  });
  document.addEventListener("focusout", function (event) {
    const input = event.target;
    if (!input.isConnected || input.dataset.swapping) return; // being replaced, not left by the user
    const row = rowOf(input);
    if (!row) return;
    if (input.value !== input.defaultValue) saveCell(input);
    if (!pending.get(row.id) && deferred.has(row.id)) {
      const html = deferred.get(row.id);
      deferred.delete(row.id);
      htmx.swap("#" + row.id, html, { swapStyle: "outerHTML" });
    }
  });
  function typingIn(row) {
    const active = document.activeElement;
    if (!active || !row.contains(active) || !cellName(active, row)) return false;
    const since = active.dataset.focusValue !== undefined ? active.dataset.focusValue : active.defaultValue;
    return active.value !== since;
  }
  // Hold back an answer a later one supersedes, or one that would replace the cell being typed in.
  document.addEventListener("htmx:beforeSwap", function (event) {
    const target = event.detail.target;
    const status = event.detail.xhr.status;
    if (!target || !target.matches || !target.matches("tr[data-row-save]") || status < 200 || status > 299) return;
    if ((pending.get(target.id) || 0) > 1) {
      event.detail.shouldSwap = false;
    } else if (typingIn(target)) {
      event.detail.shouldSwap = false;
      deferred.set(target.id, event.detail.serverResponse);
    } else {
      deferred.delete(target.id);
    }
  });
  // "Another user is changing ... Try again." (409): what was sent may be sent again.
  document.addEventListener("htmx:afterRequest", function (event) {
    const elt = event.detail.elt;
    const status = event.detail.xhr ? event.detail.xhr.status : 0;
    if (!elt || !elt.matches || !elt.matches("tr[data-row-save]") || (status >= 200 && status < 300) || status === 422) return;
    const row = document.getElementById(elt.id);
    if (row) row.querySelectorAll("input[name]").forEach(function (input) { delete input.dataset.queued; });
  });
  // Enter, and the Yes of a confirmation, submit the row's form: saved as shown, after what is queued.
  document.addEventListener("submit", function (event) {
    const row = rowOf(event.target);
    if (!row) return;
    event.preventDefault();
    const confirming = event.submitter && event.submitter.name;
    if (confirming || !allQueued(row)) enqueue(row, wholeRow(event.submitter));
  });
  // Enter on a cell that was just saved (a date commits on Enter) needs no second request.
  function allQueued(row) {
    return Array.from(row.querySelectorAll("input[name]")).every(function (input) {
      return !cellName(input, row) || input.value === input.defaultValue || input.dataset.queued === input.value;
    });
  }

  // Keep what the user is typing when a response replaces the row around the cell.
  let kept = null;
  function beforeSwap(target) {
    const active = document.activeElement;
    if (!target || !target.matches || !target.matches("tr[data-row-save]")) return;
    if (!active || !active.id || !target.contains(active)) return;
    // Typed and not yet sent: a value already on its way is answered by the server, which wins.
    const typed = active.value !== active.defaultValue && active.dataset.queued !== active.value;
    kept = { id: active.id, value: active.value, typed: typed, start: active.selectionStart, end: active.selectionEnd };
    active.dataset.swapping = "1";
  }
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.shouldSwap) beforeSwap(event.detail.target);
  });  // (registered after the hold-back above, so it sees its decision)
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    beforeSwap(event.detail.target);
  });
  document.addEventListener("htmx:afterSettle", function () {
    if (!kept) return;
    const input = document.getElementById(kept.id);
    if (input && kept.typed && input.value !== kept.value) {
      input.value = kept.value;
      try {
        input.setSelectionRange(kept.start, kept.end);
      } catch (e) { /* not every input type has a caret */ }
    }
    kept = null;
  });
})();

// The content security policy allows no inline script (no on…= handlers, no htmx event filters, which
// need eval): what they did is done here.
(function () {
  // A form with data-confirm asks first (a plain form; htmx forms use hx-confirm).
  document.addEventListener("submit", function (event) {
    const message = event.target.dataset && event.target.dataset.confirm;
    if (message && !window.confirm(message)) event.preventDefault();
  });
  // Clicking or entering a row of the lines grid shows its line in the Sales Line Details FactBox,
  // unless the FactBox shows it already: the row's hidden trigger listens for `ato:select-line`.
  function selectLine(event) {
    const row = event.target.closest && event.target.closest("tr");
    const trigger = row && row.querySelector("[data-factbox-line]");
    const factbox = document.getElementById("factbox");
    if (!trigger || !factbox || factbox.dataset.line === trigger.dataset.factboxLine) return;
    htmx.trigger(row, "ato:select-line");
  }
  document.addEventListener("focusin", selectLine);
  document.addEventListener("click", selectLine);
})();

// The cell an answer puts the cursor in (`autofocus`: the new line's No. after Add line, the first cell
// in error) gets it as the answer is swapped in, not when htmx settles it some 20 ms later: by then
// the user may have clicked into another cell and begun typing, and htmx's late focus sent those
// keystrokes into the new line's No. (a lost edit). The attribute is removed, so htmx focuses nothing.
(function () {
  document.addEventListener("htmx:afterSwap", function (event) {
    let target = event.detail.target;
    if (target && !target.isConnected && target.id) target = document.getElementById(target.id); // outerHTML
    if (!target || !target.querySelector) return;
    const cell = target.matches("[autofocus]") ? target : target.querySelector("[autofocus]");
    if (!cell) return;
    cell.removeAttribute("autofocus");
    cell.focus();
  });
})();
