// The "Nu" page's refresh: every 5 seconds the page's texts from /console/nu.json, put in place
// without reloading. The server makes every text; this script only copies them.
"use strict";

(function () {
  const PERIOD_MS = 5000;
  const COLUMNS = ["helpdesk", "code", "name", "status", "since", "calls_today"];
  const NUMBER_COLUMNS = new Set(["calls_today"]);

  function cell(text, column) {
    const td = document.createElement("td");
    td.textContent = text;
    if (NUMBER_COLUMNS.has(column)) {
      td.className = "number";
    }
    return td;
  }

  function agentRows(agents) {
    if (agents.length === 0) {
      const td = cell("Geen medewerkers");
      td.colSpan = COLUMNS.length;
      const tr = document.createElement("tr");
      tr.append(td);
      return [tr];
    }
    return agents.map(function (agent) {
      const tr = document.createElement("tr");
      for (const column of COLUMNS) {
        tr.append(cell(agent[column], column));
      }
      return tr;
    });
  }

  function fill(view) {
    for (const desk of view.helpdesks) {
      const section = document.getElementById("hd-" + desk.id);
      if (section === null) {
        // A helpdesk the page does not show yet (the config was reloaded): draw the page anew.
        window.location.reload();
        return;
      }
      section.classList.toggle("alert", desk.alert);
      for (const [key, text] of Object.entries(desk.fields)) {
        const field = section.querySelector('[data-field="' + key + '"]');
        if (field !== null && field.textContent !== text) {
          field.textContent = text;
        }
      }
    }
    document.querySelector("[data-agents]").replaceChildren(...agentRows(view.agents));
    document.querySelector("[data-updated]").textContent = view.updated;
    document.querySelector("[data-problem]").hidden = true;
  }

  function problem(text) {
    const shown = document.querySelector("[data-problem]");
    shown.textContent = text;
    shown.hidden = false;
  }

  async function refresh() {
    try {
      const response = await fetch("/console/nu.json", {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        cache: "no-store",
      });
      if (response.status === 401) {
        // Signed out (here or in another tab) or expired: back to the sign-in page.
        window.location.assign("/console");
        return;
      }
      if (!response.ok) {
        problem("· niet bijgewerkt: de service kan de gegevens nu niet lezen.");
      } else {
        fill(await response.json());
      }
    } catch (error) {
      problem("· niet bijgewerkt: de service is niet bereikbaar.");
    }
    window.setTimeout(refresh, PERIOD_MS);
  }

  window.setTimeout(refresh, PERIOD_MS);
})();
