// The receivable module's views, by who uses them; the manifest names each one's export.

export { invoicesView, certificatesView, offersView, paymentsView } from "./supplier.js";
export { confirmView, outstandingView } from "./debtor.js";
export { marketView, portfolioView, overdueView } from "./financier.js";
export { guaranteesView } from "./guarantor.js";
export { showCertificate } from "./certificate.js";
