"""The texts of the security messages identity asks for: a client's sign-in code, a
staff member's password reset and a staff invitation. Not studio templates (N1): a studio cannot edit what a
code message says, so that a phishing-shaped text cannot be put in its place.

Security messages answer something the person did that very minute (asked for a code or
a reset), on the one channel and address they named. C8's switches (appointments,
service, packages, marketing, transactions) are about what the studio tells a client, so
none of them holds a code back: a client who switched TRANSACTIONS off by e-mail still
gets the code they asked for by e-mail. What C8 means here is that nothing else rides
along: no other message, no marketing, and the text is never kept (it holds a live
secret), only the fact that it was sent.
"""

from __future__ import annotations

PURPOSES = ("CLIENT_SIGN_IN", "PASSWORD_RESET", "STAFF_INVITATION")

_TEXTS: dict[tuple[str, str], tuple[str, str]] = {
    ("CLIENT_SIGN_IN", "en"): (
        "Your sign-in code",
        "Your code is {code}. It is valid for 10 minutes. If you did not ask for it, "
        "ignore this message.",
    ),
    ("CLIENT_SIGN_IN", "es"): (
        "Tu código de acceso",
        "Tu código es {code}. Vale 10 minutos. Si no lo has pedido, ignora este mensaje.",
    ),
    ("CLIENT_SIGN_IN", "it"): (
        "Il tuo codice di accesso",
        "Il tuo codice è {code}. Vale 10 minuti. Se non l'hai chiesto, ignora questo messaggio.",
    ),
    ("PASSWORD_RESET", "en"): (
        "Reset your password",
        "Your password reset token is {code} . It is valid for 30 minutes and once. "
        "If you did not ask for it, ignore this message: your password stays as it is.",
    ),
    ("PASSWORD_RESET", "es"): (
        "Restablece tu contraseña",
        "Tu código para restablecer la contraseña es {code} . Vale 30 minutos y una vez. "
        "Si no lo has pedido, ignora este mensaje.",
    ),
    ("PASSWORD_RESET", "it"): (
        "Reimposta la password",
        "Il codice per reimpostare la password è {code} . Vale 30 minuti e una volta. "
        "Se non l'hai chiesto, ignora questo messaggio.",
    ),
    # `{code}` is the link to accept with (the invitation code in it), `{studio}` the
    # studio's name.
    ("STAFF_INVITATION", "en"): (
        "You are invited to {studio}",
        "You are invited to work with {studio}. Accept within 7 days, once, here:\n\n"
        "{code}\n\nIf you did not expect it, ignore this message.",
    ),
    ("STAFF_INVITATION", "es"): (
        "Te invitan a {studio}",
        "Te invitan a trabajar con {studio}. Acepta en 7 días, una sola vez, aquí:\n\n"
        "{code}\n\nSi no lo esperabas, ignora este mensaje.",
    ),
    ("STAFF_INVITATION", "it"): (
        "Sei invitato a {studio}",
        "Sei invitato a lavorare con {studio}. Accetta entro 7 giorni, una volta sola, qui:"
        "\n\n{code}\n\nSe non te lo aspettavi, ignora questo messaggio.",
    ),
}


def security_text(purpose: str, language: str, code: str, *, studio: str = "") -> tuple[str, str]:
    """(subject, body) in the language if it is es, it or en, else English."""
    lang = language.strip().lower()[:2]
    subject, body = _TEXTS.get((purpose, lang)) or _TEXTS[(purpose, "en")]
    return subject.replace("{studio}", studio), body.replace("{studio}", studio).replace(
        "{code}", code
    )
