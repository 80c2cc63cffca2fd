/**
 * Limits more than one channel applies, defined once. Per-minute request rates: the keyless widget
 * (per client address) and, unless a key is created with its own, a widget key and other keys.
 */
export const WIDGET_RATE_PER_MINUTE = 30;
export const KEY_RATE_PER_MINUTE = 600;
