// Starts the dashboard (kept out of index.html so a strict CSP needs no inline script).
import init from "./parley_dashboard.js";
init();
