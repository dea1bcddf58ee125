// Buttons with data-copy put their value on the clipboard and say so for a moment. They are served hidden: shown here,
// where they work.
(() => {
  const write = async (text) => {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return;
    }
    // Plain HTTP has no clipboard API: copy from a selected, visually hidden text area instead.
    const area = document.createElement("textarea");
    area.value = text;
    area.readOnly = true;
    area.className = "visually-hidden";
    document.body.appendChild(area);
    area.select();
    const copied = document.execCommand("copy");
    area.remove();
    if (!copied) throw new Error("copy refused");
  };

  const say = (button, copied) => {
    const icon = button.querySelector("i");
    const said = button.querySelector("[data-copy-said]");
    const label = said.textContent;
    icon.className = copied ? "bi bi-clipboard-check" : "bi bi-clipboard-x";
    said.textContent = copied ? "Copied" : "Could not copy: select the text instead";
    button.title = said.textContent;
    button.setAttribute("aria-live", "polite");
    setTimeout(() => {
      icon.className = "bi bi-clipboard";
      said.textContent = label;
      button.title = label;
    }, 2000);
  };

  document.querySelectorAll("button[data-copy]").forEach((button) => { button.hidden = false; });
  document.addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-copy]");
    if (!button) return;
    try {
      await write(button.dataset.copy);
      say(button, true);
    } catch {
      say(button, false);
    }
  });
})();
