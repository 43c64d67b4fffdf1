/** @odoo-module **/
// Copyright 2026 The Complaints Project contributors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
// A supplier answers D4 of a SCAR on the portal: two root causes and an action.
// Started on the SCAR's page by odoo_addon_complaints/tests/test_scar_portal.py.

import { registry } from "@web/core/registry";

const D4 = "form.o_scar_answer_D4";

registry.category("web_tour.tours").add("scar_portal_tour", {
    steps: () => [
        {
            content: "The D4 answer form offers rows of root causes",
            trigger: `${D4} .o_scar_cause_row_0 input[name=cause_description]`,
            run: "edit Worn core pin in cavity 3 leaves the thread undersized",
        },
        {
            content: "Confirmation of the first cause",
            trigger: `${D4} .o_scar_cause_row_0 input[name=cause_result]`,
            run: "edit Parts of cavity 3 leak at 2 bar",
        },
        {
            content: "The second cause explains why the defect escaped",
            trigger: `${D4} .o_scar_cause_row_1 select[name=cause_kind]`,
            run: "select non_detection",
        },
        {
            content: "It lies in the management system",
            trigger: `${D4} .o_scar_cause_row_1 select[name=cause_level]`,
            run: "select systemic",
        },
        {
            trigger: `${D4} .o_scar_cause_row_1 input[name=cause_description]`,
            run: "edit Gauge check every 500 shots is too rare",
        },
        {
            content: "An action for D5",
            trigger: `${D4} .o_scar_action_row_0 input[name=action_name]`,
            run: "edit New core pin and a wear check every 50,000 shots",
        },
        {
            trigger: `${D4} .o_scar_action_row_0 input[name=action_responsible]`,
            run: "edit Chen Jing",
        },
        {
            content: "Due date of the action (a date input takes no typed text)",
            trigger: `${D4} .o_scar_action_row_0 input[name=action_date]`,
            run() {
                this.anchor.value = "2030-01-15";
            },
        },
        {
            trigger: `${D4} textarea[name=summary]`,
            run: "edit Occurrence: worn core pin. Non-detection: sampling too rare.",
        },
        {
            content: "Send the answer",
            trigger: `${D4} button[type=submit]`,
            run: "click",
        },
        {
            content: "The page lists both causes as proposed",
            trigger: ".o_scar_causes td:contains('Gauge check every 500 shots is too rare')",
        },
        {
            content: "... and the action",
            trigger: ".o_scar_actions td:contains('New core pin and a wear check every 50,000 shots')",
        },
    ],
});
