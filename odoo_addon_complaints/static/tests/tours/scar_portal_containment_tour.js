/** @odoo-module **/
// Copyright 2026 The Complaints Project contributors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
// A supplier answers D3 of a SCAR on the portal: stock sorted at its site, a shipment stopped.
// Started on the SCAR's page by odoo_addon_complaints/tests/test_scar_portal.py.

import { registry } from "@web/core/registry";

const D3 = "form.o_scar_answer_D3";

registry.category("web_tour.tours").add("scar_portal_containment_tour", {
    steps: () => [
        {
            content: "The D3 answer form offers rows of containment actions",
            trigger: `${D3} .o_scar_containment_row_0 input[name=containment_action]`,
            run: "edit 100 % leak test of the finished goods in stock",
        },
        {
            content: "How many parts were checked ...",
            trigger: `${D3} .o_scar_containment_row_0 input[name=containment_checked]`,
            run: "edit 480",
        },
        {
            content: "... and how many were found nonconforming",
            trigger: `${D3} .o_scar_containment_row_0 input[name=containment_nonconforming]`,
            run: "edit 12",
        },
        {
            content: "The second action covers the parts on their way",
            trigger: `${D3} .o_scar_containment_row_1 select[name=containment_place]`,
            run: "select in_transit",
        },
        {
            trigger: `${D3} .o_scar_containment_row_1 input[name=containment_action]`,
            run: "edit Shipment ASN 778 stopped at the forwarder",
        },
        {
            trigger: `${D3} textarea[name=summary]`,
            run: "edit Stock sorted, shipment in transit stopped.",
        },
        {
            content: "Send the answer",
            trigger: `${D3} button[type=submit]`,
            run: "click",
        },
        {
            content: "The page lists the stopped shipment as proposed",
            trigger: ".o_scar_containment td:contains('Shipment ASN 778 stopped at the forwarder')",
        },
    ],
});
