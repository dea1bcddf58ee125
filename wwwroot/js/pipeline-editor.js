// The pipeline editor: its form and its YAML shown as two tabs, kept in sync by converting through the server when
// the tab changes (the same checks as saving, so a problem shows at its field or its line before anything is saved);
// stages added, removed and moved here; the fields of a stage's kind only. Without this script both tabs are shown
// and each saves on its own; the server adds, removes and moves stages.
(() => {
  const form = document.getElementById("pipeline-editor");
  if (!form) return;
  const tabs = document.getElementById("editor-tabs");
  const panels = { form: document.getElementById("form-panel"), yaml: document.getElementById("yaml-panel") };
  const stages = document.getElementById("stages");
  const template = document.getElementById("stage-template");
  const yaml = document.getElementById("Yaml");
  const yamlProblems = document.getElementById("yaml-problems");
  const convertProblem = document.getElementById("convert-problem");
  const saveDefault = document.getElementById("save-default");
  let mode = form.dataset.mode === "yaml" ? "yaml" : "form";

  const show = (next) => {
    mode = next;
    form.dataset.mode = next;
    saveDefault.value = next;
    for (const [name, panel] of Object.entries(panels)) panel.hidden = name !== next;
    tabs.querySelectorAll("[data-tab]").forEach((tab) => {
      const active = tab.dataset.tab === next;
      tab.classList.toggle("active", active);
      tab.setAttribute("aria-selected", active ? "true" : "false");
    });
  };

  const applyKind = (stage) => {
    const kind = stage.querySelector("select[name$='.Kind']").value;
    stage.querySelectorAll("[data-kind]").forEach((part) => {
      part.hidden = !part.dataset.kind.split(" ").includes(kind);
    });
    stage.querySelectorAll(".kind-heading").forEach((heading) => { heading.hidden = true; });
  };

  const renumber = () => {
    stages.querySelectorAll(":scope > [data-stage]").forEach((stage, i) => {
      stage.querySelectorAll("*").forEach((element) => {
        for (const attribute of ["name", "id", "for", "aria-describedby", "data-valmsg-for"]) {
          const value = element.getAttribute(attribute);
          if (value === null) continue;
          element.setAttribute(
            attribute,
            value
              .replace(/Stages\[(\d+|__index__)\]/g, `Stages[${i}]`)
              .replace(/stage-(\d+|__index__)-/g, `stage-${i}-`)
          );
        }
        if (element.dataset.stageAct) element.value = `${element.dataset.stageAct}-${i}`;
      });
      stage.querySelector("[data-stage-number]").textContent = String(i + 1);
    });
  };

  const newStage = () => {
    const stage = template.content.firstElementChild.cloneNode(true);
    stages.appendChild(stage);
    renumber();
    applyKind(stage);
    return stage;
  };

  const clearProblems = () => {
    form.querySelectorAll(".js-problem").forEach((element) => element.remove());
    form.querySelectorAll(".is-invalid").forEach((element) => element.classList.remove("is-invalid"));
    document.getElementById("stages-problems").replaceChildren();
    convertProblem.hidden = true;
    yamlProblems.hidden = true;
    yamlProblems.replaceChildren();
  };

  const say = (parent, message, tag = "div") => {
    const element = document.createElement(tag);
    element.textContent = message;
    parent.appendChild(element);
    return element;
  };

  const showFormProblems = (problems) => {
    for (const { field, message } of problems) {
      const input = field ? form.querySelector(`[name="${CSS.escape(field)}"]`) : null;
      if (field === "Stages") {
        say(document.getElementById("stages-problems"), message);
      } else if (input) {
        input.classList.add("is-invalid");
        const note = say(input.closest("div"), message);
        note.className = "invalid-feedback d-block js-problem";
      } else {
        convertProblem.hidden = false;
        say(convertProblem, message).className = "js-problem";
      }
    }
    const first = form.querySelector(".is-invalid");
    if (first) first.focus();
  };

  const showYamlProblems = (problems) => {
    yamlProblems.hidden = false;
    for (const { message } of problems) say(yamlProblems, message, "li");
    yaml.classList.add("is-invalid");
  };

  const fillForm = (answer) => {
    for (const [name, value] of Object.entries(answer.fields)) {
      const input = form.querySelector(`[name="${name}"]`);
      if (input.type === "checkbox") input.checked = !!value;
      else input.value = value ?? "";
    }
    stages.replaceChildren();
    answer.stages.forEach((values, i) => {
      const stage = newStage();
      for (const [name, value] of Object.entries(values)) {
        stage.querySelectorAll(`[name="Stages[${i}].${name}"]`).forEach((input) => {
          if (input.type === "checkbox") {
            input.checked = Array.isArray(value) ? value.includes(input.value) : !!value;
          } else {
            input.value = value ?? "";
          }
        });
      }
      applyKind(stage);
    });
  };

  const convert = async (to) => {
    const body = new FormData(form);
    body.set("to", to);
    const response = await fetch(form.dataset.convert, {
      method: "POST",
      body,
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    });
    if (!response.headers.get("content-type")?.includes("json")) {
      throw new Error(`The conversion answered ${response.status}.`);
    }
    return response.json();
  };

  tabs.addEventListener("click", async (event) => {
    const tab = event.target.closest("[data-tab]");
    if (!tab || tab.dataset.tab === mode) return;
    const to = tab.dataset.tab;
    clearProblems();
    tab.disabled = true;
    try {
      const answer = await convert(to);
      if (!answer.ok) {
        if (to === "yaml") {
          showFormProblems(answer.problems);
          convertProblem.hidden = false;
          say(convertProblem, "Fix the form before it can be shown as YAML.").className = "js-problem";
        } else {
          showYamlProblems(answer.problems);
        }
        return;
      }
      if (to === "yaml") yaml.value = answer.yaml;
      else fillForm(answer);
      show(to);
    } catch (error) {
      convertProblem.hidden = false;
      say(convertProblem, `${error.message} Save the tab you are on instead.`).className = "js-problem";
    } finally {
      tab.disabled = false;
    }
  });

  form.addEventListener("click", (event) => {
    const button = event.target.closest("button[name='Act']");
    if (!button) return;
    event.preventDefault();
    if (button.value === "add") {
      const stage = newStage();
      stage.querySelector("input[name$='.Name']").focus();
      return;
    }
    const stage = button.closest("[data-stage]");
    const act = button.dataset.stageAct;
    if (act === "remove") stage.remove();
    else if (act === "up" && stage.previousElementSibling) stages.insertBefore(stage, stage.previousElementSibling);
    else if (act === "down" && stage.nextElementSibling) stages.insertBefore(stage.nextElementSibling, stage);
    renumber();
  });

  form.addEventListener("change", (event) => {
    if (event.target.matches("select[name$='.Kind']")) applyKind(event.target.closest("[data-stage]"));
  });

  stages.querySelectorAll(":scope > [data-stage]").forEach(applyKind);
  tabs.hidden = false;
  show(mode);
})();
