// The deploy form names its environment in a select: point the form at that environment's deploy action.
(() => {
  const form = document.getElementById("deploy-form");
  const select = document.getElementById("deploy-environment");
  if (!form || !select) return;
  const aim = () => { form.action = select.dataset.actionTemplate.replace("{environment}", encodeURIComponent(select.value)); };
  select.addEventListener("change", aim);
  aim();
})();
