// Where the console finds the gateway. serve.mjs answers this file itself from
// CONSOLE_GATEWAY_URL; this copy serves `npm run dev` (the gateway beside the page, port 4000).
window.STUDIO_GATEWAY = window.location.protocol + '//' + window.location.hostname + ':4000';
