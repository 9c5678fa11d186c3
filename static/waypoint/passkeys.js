// After django-otp-webauthn has registered a passkey, go on to the page named by
// data-done-url (backup codes at first enrolment, the security page otherwise), so that the
// server can show what changed. Loaded as a file: the Content-Security-Policy allows no inline
// script without a nonce.
(function () {
  "use strict";
  document.addEventListener("otp_webauthn.register_complete", function () {
    var holder = document.getElementById("passkey-register");
    var target = holder && holder.getAttribute("data-done-url");
    if (target && target.charAt(0) === "/" && target.charAt(1) !== "/") {
      window.location.assign(target);
    }
  });
})();
