#!/usr/bin/env bash
# Installs Waypoint on a fresh Debian 12 server, from the checkout this script is in.
#
#   git clone https://…/waypoint.git /root/waypoint && cd /root/waypoint
#   deploy/debian/install.sh --host waypoint.example.org --tls-email ops@example.org \
#       --smtp 'smtp://user:password@relay.example.org:587' \
#       --organisation "Get Lost" --slug getlost --admin-email admin@example.org [--onion]
#
# Safe to run again (an upgrade: new code, same secrets): it keeps every existing secret,
# the keyring and the database, applies migrations and restarts the services.
# --self-signed instead of --tls-email makes a throwaway certificate (a test server).
#
# Why a script and not Ansible: the target is one Debian 12 server that an NGO's volunteer
# sets up from a root shell. A script needs nothing but bash and apt, reads top to bottom
# as the runbook it is, and is what the README walks through. Several machines later can
# reuse the same files (units, site, env) from configuration management.
set -euo pipefail

HOST= TLS_EMAIL= SELF_SIGNED= SMTP= ORG= SLUG= ADMIN= ONION=
while (($#)); do
  case $1 in
    --host) HOST=$2; shift 2 ;;
    --tls-email) TLS_EMAIL=$2; shift 2 ;;
    --self-signed) SELF_SIGNED=1; shift ;;
    --smtp) SMTP=$2; shift 2 ;;
    --organisation) ORG=$2; shift 2 ;;
    --slug) SLUG=$2; shift 2 ;;
    --admin-email) ADMIN=$2; shift 2 ;;
    --onion) ONION=1; shift ;;
    *) echo "unknown option $1 (see the top of $0)"; exit 2 ;;
  esac
done
[[ $(id -u) == 0 ]] || { echo "run as root"; exit 1; }
[[ -n $HOST ]] || { echo "--host is required"; exit 2; }
[[ -n $TLS_EMAIL || -n $SELF_SIGNED ]] || { echo "--tls-email or --self-signed is required"; exit 2; }
grep -q 'VERSION_ID="12"' /etc/os-release || echo "warning: written for Debian 12"

SRC=$(cd "$(dirname "$0")/../.." && pwd)
APP=/opt/waypoint
ETC=/etc/waypoint
CRED=$ETC/credentials
KEYS=$ETC/keyring
STATE=/var/lib/waypoint
# Signed audit checkpoints (WAYPOINT_CHECKPOINT_DIR in waypoint.env): back up apart from the database.
CHECKPOINTS=/var/lib/waypoint-checkpoints
log() { printf '\n== %s\n' "$*"; }
random() { openssl rand -base64 48 | tr -d '\n/+=' | cut -c1-48; }

log "packages"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends python3 python3-venv gettext openssl rsync curl \
  postgresql redis-server nginx certbot libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
  libimage-exiftool-perl
[[ -z $ONION ]] || apt-get install -y -qq --no-install-recommends tor

log "user and code in $APP"
id waypoint >/dev/null 2>&1 || useradd --system --home-dir $STATE --shell /usr/sbin/nologin waypoint
install -d -m 0755 $APP
rsync -a --delete --exclude .git --exclude .venv --exclude var --exclude staticfiles \
  --exclude deploy/compose/secrets "$SRC"/ $APP/
chown -R root:root $APP
python3 -m venv $APP/.venv
$APP/.venv/bin/pip install --quiet --disable-pip-version-check --require-hashes -r $APP/requirements.lock

log "secrets in $CRED (root only) and the keyring in $KEYS (waypoint only)"
install -d -m 0755 $ETC
install -d -m 0700 $CRED
install -d -m 0700 -o waypoint -g waypoint $KEYS
umask 077
[[ -s $CRED/secret_key ]] || random > $CRED/secret_key
[[ -s $CRED/postgres_password ]] || random > $CRED/postgres_password
[[ -s $CRED/redis_password ]] || random > $CRED/redis_password
echo "postgres://waypoint:$(cat $CRED/postgres_password)@127.0.0.1:5432/waypoint" > $CRED/database_url
echo "redis://:$(cat $CRED/redis_password)@127.0.0.1:6379/0" > $CRED/redis_url
if [[ -n $SMTP ]]; then echo "$SMTP" > $CRED/email_url; fi
[[ -s $CRED/email_url ]] || echo "smtp://127.0.0.1:25" > $CRED/email_url
if [[ ! -s $KEYS/keyring.json ]]; then
  WAYPOINT_VAR_DIR=$(mktemp -d) $APP/.venv/bin/python $APP/manage.py generate_keyring > $KEYS/keyring.json
  chown waypoint:waypoint $KEYS/keyring.json
fi
umask 022
if [[ ! -s $ETC/waypoint.env ]]; then
  sed "s/waypoint\.example\.org/$HOST/g" $APP/deploy/debian/waypoint.env > $ETC/waypoint.env
fi
# A settings file from an older install: the checkpoints get their own folder too.
grep -q '^WAYPOINT_CHECKPOINT_DIR=' $ETC/waypoint.env \
  || echo "WAYPOINT_CHECKPOINT_DIR=$CHECKPOINTS" >> $ETC/waypoint.env

log "PostgreSQL and Redis (password, append-only file)"
systemctl enable --now postgresql redis-server
runuser -u postgres -- psql -qtAc "SELECT 1 FROM pg_roles WHERE rolname = 'waypoint'" | grep -q 1 \
  || runuser -u postgres -- psql -qc "CREATE ROLE waypoint LOGIN"
runuser -u postgres -- psql -qc "ALTER ROLE waypoint PASSWORD '$(cat $CRED/postgres_password)'"
runuser -u postgres -- psql -qtAc "SELECT 1 FROM pg_database WHERE datname = 'waypoint'" | grep -q 1 \
  || runuser -u postgres -- createdb -O waypoint waypoint
conf=/etc/redis/redis.conf
sed -i '/^# waypoint:/,$d' $conf
printf '# waypoint: below, written by deploy/debian/install.sh\nrequirepass %s\nappendonly yes\nappendfsync everysec\n' \
  "$(cat $CRED/redis_password)" >> $conf
systemctl restart redis-server

log "waypoint-manage: operator commands as the waypoint user, secrets from $CRED"
cat > /usr/local/sbin/waypoint-manage <<'WRAPPER'
#!/bin/sh
# manage.py as the waypoint user with the services' settings and secrets (root only).
exec systemd-run --quiet --pipe --wait --collect --uid=waypoint --gid=waypoint \
  --working-directory=/opt/waypoint -p EnvironmentFile=/etc/waypoint/waypoint.env \
  -p LoadCredential=secret_key:/etc/waypoint/credentials/secret_key \
  -p LoadCredential=database_url:/etc/waypoint/credentials/database_url \
  -p LoadCredential=redis_url:/etc/waypoint/credentials/redis_url \
  -p LoadCredential=email_url:/etc/waypoint/credentials/email_url \
  -E WAYPOINT_ENV=production -E WAYPOINT_VAR_DIR=/var/lib/waypoint -E HOME=/var/lib/waypoint \
  -E WAYPOINT_KEYRING_FILE=/etc/waypoint/keyring/keyring.json \
  /bin/sh -c 'export SECRET_KEY_FILE="$CREDENTIALS_DIRECTORY/secret_key" \
    DATABASE_URL_FILE="$CREDENTIALS_DIRECTORY/database_url" \
    REDIS_URL_FILE="$CREDENTIALS_DIRECTORY/redis_url" \
    EMAIL_URL_FILE="$CREDENTIALS_DIRECTORY/email_url"
    exec /opt/waypoint/.venv/bin/python manage.py "$@"' waypoint-manage "$@"
WRAPPER
chmod 0700 /usr/local/sbin/waypoint-manage
install -d -m 0700 -o waypoint -g waypoint $STATE $CHECKPOINTS

log "translations, static files, database"
(cd $APP && .venv/bin/python manage.py compilemessages --ignore .venv --verbosity 0)
set -a; . $ETC/waypoint.env; set +a
env SECRET_KEY_FILE=$CRED/secret_key DATABASE_URL_FILE=$CRED/database_url \
  REDIS_URL_FILE=$CRED/redis_url EMAIL_URL_FILE=$CRED/email_url WAYPOINT_ENV=production \
  WAYPOINT_VAR_DIR=$STATE WAYPOINT_KEYRING_FILE=$KEYS/keyring.json \
  $APP/.venv/bin/python $APP/manage.py collectstatic --noinput --verbosity 0
waypoint-manage migrate --noinput
waypoint-manage check --deploy --fail-level WARNING

log "TLS certificate and nginx"
live=/etc/letsencrypt/live/$HOST
if [[ ! -s $live/fullchain.pem ]]; then
  if [[ -n $SELF_SIGNED ]]; then
    install -d -m 0755 "$live"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 365 \
      -subj "/CN=$HOST" -addext "subjectAltName=DNS:$HOST" \
      -keyout "$live/privkey.pem" -out "$live/fullchain.pem" 2>/dev/null
  else
    # Standalone: nginx stops for the few seconds it takes (also at each renewal).
    systemctl stop nginx
    certbot certonly --standalone --non-interactive --agree-tos -m "$TLS_EMAIL" -d "$HOST" \
      --pre-hook "systemctl stop nginx" --post-hook "systemctl start nginx"
  fi
fi
install -d -m 0755 /var/www/letsencrypt
sed "s/waypoint\.example\.org/$HOST/g" $APP/deploy/debian/nginx/waypoint.conf \
  > /etc/nginx/sites-available/waypoint
ln -sf ../sites-available/waypoint /etc/nginx/sites-enabled/waypoint
rm -f /etc/nginx/sites-enabled/default

if [[ -n $ONION ]]; then
  log "Tor onion service"
  grep -q 'HiddenServiceDir /var/lib/tor/waypoint/' /etc/tor/torrc \
    || cat $APP/deploy/debian/tor/waypoint.torrc >> /etc/tor/torrc
  systemctl restart tor
  for _ in $(seq 1 60); do [[ -s /var/lib/tor/waypoint/hostname ]] && break; sleep 1; done
  onion=$(cat /var/lib/tor/waypoint/hostname)
  sed "s/ONION_ADDRESS/$onion/g" $APP/deploy/debian/nginx/waypoint-onion.conf \
    > /etc/nginx/sites-available/waypoint-onion
  ln -sf ../sites-available/waypoint-onion /etc/nginx/sites-enabled/waypoint-onion
  sed -i "s|#onion add_header Onion-Location http://ONION_ADDRESS|add_header Onion-Location http://$onion|" \
    /etc/nginx/sites-available/waypoint
  grep -q "$onion" $ETC/waypoint.env || sed -i "s/^ALLOWED_HOSTS=.*/&,$onion/" $ETC/waypoint.env
  echo "onion address: http://$onion (back up /var/lib/tor/waypoint/)"
fi
nginx -t
systemctl enable nginx
systemctl reload-or-restart nginx

log "services"
install -m 0644 $APP/deploy/debian/waypoint-{web,worker,beat}.service /etc/systemd/system/
systemctl daemon-reload
systemctl enable waypoint-web waypoint-worker waypoint-beat
systemctl restart waypoint-web waypoint-worker waypoint-beat
for _ in $(seq 1 60); do
  curl -fsk --resolve "$HOST:443:127.0.0.1" "https://$HOST/healthz" >/dev/null 2>&1 && break
  sleep 1
done
curl -fsk --resolve "$HOST:443:127.0.0.1" "https://$HOST/healthz"; echo

log "audit checkpoint in $CHECKPOINTS (the worker adds one every night)"
waypoint-manage audit_checkpoint --store

if [[ -n $ADMIN ]]; then
  log "first start"
  waypoint-manage first_start --organisation "${ORG:-$HOST}" --slug "${SLUG:-waypoint}" \
    --admin-email "$ADMIN" || echo "(first start has run before: add --again to reissue the link)"
fi
echo
echo "Waypoint runs at https://$HOST/ — operator commands: waypoint-manage COMMAND"
echo "Back up $CHECKPOINTS (signed audit checkpoints) apart from the database."
