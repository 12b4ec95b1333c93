// Starts the widget (kept out of index.html so a strict CSP needs no inline script).
import init from "./parley_widget.js";
init();
