/* SPDX-License-Identifier: GPL-2.0-or-later */
/* internal.h - dbus/'s own: the rest of the wire format (marshal.c) that
 * conn.c and the unit tests use. */
#ifndef SKIFF_DBUS_INTERNAL_H
#define SKIFF_DBUS_INTERNAL_H

#include "dbus.h"

void sk_dbus_put_sig(struct sk_dbus_w *w, const char *s); /* g */
/* A variant: its signature; the value is put next. */
void sk_dbus_open_variant(struct sk_dbus_w *w, const char *sig);
int sk_dbus_get_byte(struct sk_dbus_r *r, uint8_t *v);
int sk_dbus_get_u64(struct sk_dbus_r *r, uint64_t *v);
int sk_dbus_get_sig(struct sk_dbus_r *r, const char **s); /* g */
/* Skip one complete value of the single complete type @sig (advanced past
 * it); arrays of any type, structs, variants, dict entries. */
int sk_dbus_skip(struct sk_dbus_r *r, const char **sig);
/* A method call: header + @body (NULL: empty), malloc'd in *out; @dest,
 * @iface and @sig may be NULL. */
void sk_dbus_build_call(uint32_t serial, const char *dest, const char *path, const char *iface,
			const char *member, const char *sig, const struct sk_dbus_w *body,
			uint8_t **out, size_t *len);
/* How long the message starting with @b is, once 16 bytes are there:
 * 0 when fewer, -EBADMSG when the header is not D-Bus or too large. */
long sk_dbus_msg_size(const uint8_t *b, size_t n);
/* Parse a whole message, its header and that its body is what its
 * signature says; on success *out owns @buf (sk_dbus_msg_free). */
int sk_dbus_msg_parse(uint8_t *buf, size_t len, struct sk_dbus_msg **out);

#endif
