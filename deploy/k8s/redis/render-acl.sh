#!/bin/sh
# Writes Redis's ACL file from a template of users without passwords (<instance>-users.acl)
# and the Secret mounted at PASSWORDS_DIR: each user but `default` gets `on #<sha256 of its
# password>` from the file <user>-redis-password, so neither the repo nor the ACL file holds
# a password. A user whose password is missing or empty stops the pod (exit 1) instead of
# starting Redis with that user locked out.
#   ACL_TEMPLATE   the template (a ConfigMap key)
#   PASSWORDS_DIR  the Secret's files
#   ACL_FILE       the ACL file Redis's `aclfile` names
set -eu
umask 077
rendered="${ACL_FILE}.tmp"
: > "$rendered"
while read -r keyword user rules; do
  case "$keyword" in
    user) ;;
    *) continue ;; # comments and blank lines
  esac
  if [ "$user" = default ]; then
    printf 'user default %s\n' "$rules" >> "$rendered"
    continue
  fi
  password_file="${PASSWORDS_DIR}/${user}-redis-password"
  if [ ! -s "$password_file" ]; then
    echo "render-acl: no password for Redis user ${user}: ${password_file} is missing or empty" >&2
    exit 1
  fi
  hash=$(sha256sum < "$password_file" | cut -d ' ' -f 1)
  printf 'user %s on #%s %s\n' "$user" "$hash" "$rules" >> "$rendered"
done < "$ACL_TEMPLATE"
mv "$rendered" "$ACL_FILE"
echo "render-acl: $(grep -c '^user ' "$ACL_FILE") users written to ${ACL_FILE}"
