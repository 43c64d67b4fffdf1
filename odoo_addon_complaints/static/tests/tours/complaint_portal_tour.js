/** @odoo-module **/
// Copyright 2026 The Complaints Project contributors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
//
// A customer on the portal registers a complaint about two delivered lots,
// with a photo, and later accepts the solution staff propose. The Python test
// tests/test_complaint_portal_tour.py makes the deliveries, starts these tours
// in headless Chromium and checks what they registered; between the two
// tours staff send their reply. Not meant to be run from the interface.

import { registry } from "@web/core/registry";

const row = (line) => `.o_complaint_new_form .o_complaint_line_row[data-line='${line}']`;

// A 1x1 PNG, chosen in the file input as a customer's photo would be.
const PHOTO_PNG = Uint8Array.from(
    atob(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
    ),
    (char) => char.charCodeAt(0)
);

registry.category("web_tour.tours").add("complaint_portal_register", {
    url: "/my/complaints",
    steps: () => [
        {
            content: "Report a new problem",
            trigger: "a.o_complaint_portal_new",
            run: "click",
        },
        {
            content: "Say what the problem is",
            trigger: ".o_complaint_new_form input[name='subject']",
            run: "edit Cracked pump housings",
        },
        {
            content: "Line 1: the delivered lot LOT-A",
            trigger: `${row(1)} select[name='line_move_line_id']`,
            run: "selectByLabel LOT-A",
        },
        {
            content: "Line 1: two pumps",
            trigger: `${row(1)} input[name='line_quantity']`,
            run: "edit 2",
        },
        {
            content: "Add a second product line",
            trigger: ".o_complaint_add_line",
            run: "click",
        },
        {
            content: "The form comes back with line 1 as typed and an empty line 2",
            trigger: `${row(2)} select[name='line_move_line_id']`,
        },
        {
            content: "Line 1 kept its quantity",
            trigger: `${row(1)} input[name='line_quantity'][value='2']`,
        },
        {
            content: "Line 2: the delivered lot LOT-C",
            trigger: `${row(2)} select[name='line_move_line_id']`,
            run: "selectByLabel LOT-C",
        },
        {
            content: "Line 2: more than was delivered",
            trigger: `${row(2)} input[name='line_quantity']`,
            run: "edit 9",
        },
        {
            content: "Describe what happened",
            trigger: ".o_complaint_new_form textarea[name='description']",
            run: "edit The housings crack when the pumps are mounted.",
        },
        {
            content: "Send",
            trigger: ".o_complaint_submit",
            run: "click",
        },
        {
            content: "The error names line 2 and its quantity",
            trigger: ".o_complaint_error:contains('Line 2, Quantity Concerned')",
        },
        {
            content: "Nothing typed was lost",
            trigger: ".o_complaint_new_form input[name='subject'][value='Cracked pump housings']",
        },
        {
            content: "Line 2 is marked, with the delivered quantity",
            trigger: `${row(2)} .invalid-feedback:contains('exceeds the quantity delivered')`,
        },
        {
            content: "Line 2: one pump only",
            trigger: `${row(2)} input[name='line_quantity']`,
            run: "edit 1",
        },
        {
            content: "Attach a photo",
            trigger: ".o_complaint_new_form input[name='attachments']",
            run() {
                const transfer = new DataTransfer();
                transfer.items.add(new File([PHOTO_PNG], "cracked_housing.png", { type: "image/png" }));
                this.anchor.files = transfer.files;
                this.anchor.dispatchEvent(new Event("change", { bubbles: true }));
            },
        },
        {
            content: "Send again",
            trigger: ".o_complaint_submit",
            run: "click",
        },
        {
            content: "The complaint page lists both lots",
            trigger: ".o_complaint_line:contains('LOT-A') ~ .o_complaint_line:contains('LOT-C')",
        },
    ],
});

registry.category("web_tour.tours").add("complaint_portal_accept", {
    url: "/my/complaints",
    steps: () => [
        {
            content: "Open the complaint",
            trigger: "tr:contains('Cracked pump housings') a",
            run: "click",
        },
        {
            content: "Read the proposed solution",
            trigger: ".o_complaint_solution:contains('We replace the three pumps')",
        },
        {
            content: "Comment",
            trigger: ".o_complaint_answer textarea[name='note']",
            run: "edit Fine for us, thank you.",
        },
        {
            content: "Accept the solution",
            trigger: ".o_complaint_answer .o_complaint_accept",
            run: "click",
        },
        {
            content: "The acceptance is shown with who gave it",
            trigger: ".o_complaint_accepted:contains('Accepted by')",
        },
    ],
});
