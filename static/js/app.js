// Dialogs loaded by htmx (Reservation, drill-downs) open as modal <dialog>s: Escape closes them natively,
// and a closed dialog is removed so the next one starts fresh. Everything else is plain htmx.
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
