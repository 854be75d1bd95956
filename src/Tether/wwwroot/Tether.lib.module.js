// Tether's JS initializer: Blazor loads the {PackageId}.lib.module.js of every referenced Razor class library by itself,
// so apps add no script tag. It defines tether.redeemCookies, which the circuit calls after an event that set cookies
// (a new session, a sign-in or sign-out, a renewed ticket): the browser redeems them with a same-origin POST whose
// response carries the real Set-Cookie headers, HttpOnly ones included. tether-signalr.js defines the same function.
function install() {
    const current = window.tether;
    if (current && typeof current.redeemCookies === "function") {
        return;
    }

    // One redemption at a time, in the order the server sent them, so the newer cookie is the one that stays.
    let queue = Promise.resolve();
    function redeemCookies(url, id) {
        queue = queue
            .then(() => fetch(url, {
                method: "POST",
                credentials: "same-origin",
                keepalive: true,
                headers: { "Content-Type": "application/x-www-form-urlencoded" },
                body: "id=" + encodeURIComponent(id),
            }))
            .then(response => {
                if (!response.ok) {
                    console.warn("Tether: the server refused the cookies of an event (" + response.status + ").");
                }
            }, error => console.warn("Tether: the cookies of an event could not be redeemed.", error));
    }

    window.tether = Object.freeze(Object.assign({}, current, { redeemCookies }));
}

install();

export function beforeWebStart() {
    install();
}

export function beforeStart() {
    install();
}
