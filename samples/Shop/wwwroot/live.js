"use strict";
const connection = new signalR.HubConnectionBuilder()
    .withUrl(tether.withLocation("/hubs/shop"))
    .withAutomaticReconnect()
    .build();
tether.track(connection);

const $ = id => document.getElementById(id);

// A sign-out in another tab (or an admin's revocation) ends this connection's sign-in: the hub says so, then closes it.
tether.onSignedOut(connection, () => {
    $("live-user").textContent = "signed out";
    $("live-cart").textContent = "empty";
});
const show = view => {
    $("live-user").textContent = view.user ?? "anonymous";
    $("live-cart").textContent = view.cart.length ? view.cart.join(", ") : "empty";
    $("live-path").textContent = view.path;
};
const call = async (method, ...args) => {
    try {
        show(await connection.invoke(method, ...args));
        $("live-error").hidden = true;
    } catch (error) {
        $("live-error").textContent = error.message;
        $("live-error").hidden = false;
    }
};

$("live-whoami").addEventListener("click", () => call("Whoami"));
document.querySelectorAll("[data-add]").forEach(button =>
    button.addEventListener("click", () => call("AddToCart", button.dataset.add)));
$("live-tab").addEventListener("click", () => {
    history.pushState(null, "", "/live?tab=orders");
    call("Whoami");
});

connection.start().then(() => {
    $("live-dot").hidden = false;
    $("live-dot").dataset.live = "true";
    return call("Whoami");
});
