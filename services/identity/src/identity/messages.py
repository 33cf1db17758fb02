"""The identity context's messages (`plumbing.i18n`): code -> language -> template over the
refusal's `params`, for the `/auth/*` answers and the GraphQL refusals alike. In English the
call site's own sentence stands (several call sites word one code for their case); the
English templates are what a code reads where none was given."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    # A field of the request's JSON body (the body itself not JSON: the common sentence).
    "BAD_REQUEST": {
        "en": "`{field}` must be a non-empty string",
        "es": "`{field}` debe ser un texto no vacío",
        "it": "`{field}` deve essere un testo non vuoto",
    },
    "SIGN_IN_FAILED": {
        "en": "wrong e-mail address or password",
        "es": "correo electrónico o contraseña incorrectos",
        "it": "indirizzo e-mail o password errati",
    },
    "SIGN_IN_THROTTLED": {
        "en": "too many failed sign-ins; try again in {minutes} minutes",
        "es": "demasiados intentos fallidos; vuelve a intentarlo dentro de {minutes} minutos",
        "it": "troppi accessi falliti; riprova tra {minutes} minuti",
    },
    "SECOND_FACTOR_REQUIRED": {
        "en": "enter the code of your authenticator app (or a recovery code)",
        "es": "introduce el código de tu app de autenticación (o un código de recuperación)",
        "it": "inserisci il codice della tua app di autenticazione (o un codice di recupero)",
    },
    "STUDIO_NOT_ALLOWED": {
        "en": "you do not work for this studio",
        "es": "no trabajas para este estudio",
        "it": "non lavori per questo studio",
    },
    "REFRESH_TOKEN_INVALID": {
        "en": "this refresh token is not known; sign in again",
        "es": "este token de renovación no es válido; vuelve a iniciar sesión",
        "it": "questo token di rinnovo non è valido; accedi di nuovo",
    },
    "REFRESH_TOKEN_REUSED": {
        "en": "this refresh token was already used; the session is revoked",
        "es": "este token de renovación ya se usó; la sesión se ha cerrado",
        "it": "questo token di rinnovo è già stato usato; la sessione è stata chiusa",
    },
    "SESSION_REVOKED": {
        "en": "this session has ended; sign in again",
        "es": "esta sesión ha terminado; vuelve a iniciar sesión",
        "it": "questa sessione è terminata; accedi di nuovo",
    },
    "SESSION_EXPIRED": {
        "en": "this session has expired; sign in again",
        "es": "esta sesión ha caducado; vuelve a iniciar sesión",
        "it": "questa sessione è scaduta; accedi di nuovo",
    },
    "CODE_INVALID": {
        "en": "wrong or unknown code",
        "es": "código incorrecto o desconocido",
        "it": "codice errato o sconosciuto",
    },
    "CODE_USED": {
        "en": "this code was already used; ask for a new one",
        "es": "este código ya se usó; pide uno nuevo",
        "it": "questo codice è già stato usato; chiedine uno nuovo",
    },
    "CODE_EXPIRED": {
        "en": "this code has expired; ask for a new one",
        "es": "este código ha caducado; pide uno nuevo",
        "it": "questo codice è scaduto; chiedine uno nuovo",
    },
    "CODE_EXHAUSTED": {
        "en": "too many wrong codes; ask for a new one",
        "es": "demasiados códigos incorrectos; pide uno nuevo",
        "it": "troppi codici errati; chiedine uno nuovo",
    },
    "CODE_THROTTLED": {
        "en": "too many codes asked for; try again in {minutes} minutes",
        "es": "se han pedido demasiados códigos; vuelve a intentarlo dentro de {minutes} minutos",
        "it": "troppi codici richiesti; riprova tra {minutes} minuti",
    },
    "RESET_THROTTLED": {
        "en": "too many resets asked for; try again in {minutes} minutes",
        "es": "se han pedido demasiados restablecimientos; vuelve a intentarlo dentro de "
        "{minutes} minutos",
        "it": "troppi ripristini richiesti; riprova tra {minutes} minuti",
    },
    "EMAIL_INVALID": {
        "en": "not an e-mail address",
        "es": "no es una dirección de correo electrónico",
        "it": "non è un indirizzo e-mail",
    },
    "PHONE_INVALID": {
        "en": "a phone number starts with + and its country code",
        "es": "un número de teléfono empieza por + y el prefijo del país",
        "it": "un numero di telefono inizia con + e il prefisso del paese",
    },
    "PASSWORD_TOO_SHORT": {
        "en": "a password has at least {minimum} characters",
        "es": "una contraseña tiene al menos {minimum} caracteres",
        "it": "una password ha almeno {minimum} caratteri",
    },
    "PASSWORD_TOO_LONG": {
        "en": "a password has at most {maximum} characters",
        "es": "una contraseña tiene como máximo {maximum} caracteres",
        "it": "una password ha al massimo {maximum} caratteri",
    },
    "INVITATION_INVALID": {
        "en": "not an invitation code",
        "es": "no es un código de invitación",
        "it": "non è un codice di invito",
    },
    "INVITATION_USED": {
        "en": "this invitation was already accepted",
        "es": "esta invitación ya se aceptó",
        "it": "questo invito è già stato accettato",
    },
    "INVITATION_REVOKED": {
        "en": "this invitation was withdrawn",
        "es": "esta invitación se retiró",
        "it": "questo invito è stato ritirato",
    },
    "INVITATION_EXPIRED": {
        "en": "this invitation has expired",
        "es": "esta invitación ha caducado",
        "it": "questo invito è scaduto",
    },
    "SIGN_UP_REQUIRED": {
        "en": "no card holds this contact yet: send a name to sign up",
        "es": "ninguna ficha tiene aún este contacto: envía un nombre para registrarte",
        "it": "nessuna scheda ha ancora questo contatto: invia un nome per registrarti",
    },
    "SIGN_UP_REFUSED": {
        "en": "the studio refused this sign-up",
        "es": "el estudio ha rechazado este registro",
        "it": "lo studio ha rifiutato questa registrazione",
    },
    "CONTACT_AMBIGUOUS": {
        "en": "this contact is on more than one card; ask the studio",
        "es": "este contacto está en más de una ficha; consulta al estudio",
        "it": "questo contatto è su più di una scheda; chiedi allo studio",
    },
    "UNAVAILABLE": {
        "en": "the studio cannot be reached now; try again",
        "es": "ahora no se puede contactar con el estudio; inténtalo de nuevo",
        "it": "ora lo studio non è raggiungibile; riprova",
    },
    "ROLE_UNKNOWN": {
        "en": "unknown staff role {role}",
        "es": "rol de personal desconocido: {role}",
        "it": "ruolo del personale sconosciuto: {role}",
    },
    "ALREADY_ENABLED": {
        "en": "a second factor is already on; switch it off first",
        "es": "el segundo factor ya está activado; desactívalo primero",
        "it": "il secondo fattore è già attivo; disattivalo prima",
    },
    "NOT_ENROLLING": {
        "en": "start the enrolment first",
        "es": "empieza primero la activación",
        "it": "avvia prima l'attivazione",
    },
    "NOT_ENROLLED": {
        "en": "no second factor is on",
        "es": "no hay ningún segundo factor activado",
        "it": "nessun secondo fattore è attivo",
    },
    "OUT_OF_RANGE": {
        "en": "days is 1 to 90 (not {days}) and limit 1 to 1000 (not {limit})",
        "es": "days va de 1 a 90 (no {days}) y limit de 1 a 1000 (no {limit})",
        "it": "days va da 1 a 90 (non {days}) e limit da 1 a 1000 (non {limit})",
    },
}
