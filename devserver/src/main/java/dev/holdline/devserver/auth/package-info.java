/**
 * Access tokens as LiveKit uses them: HS256 JWTs whose issuer is an API key, verified with that
 * key's secret, carrying a {@code video} grant. Verification for incoming requests, and minting of
 * the room tokens the server hands to agents.
 */
package dev.holdline.devserver.auth;
