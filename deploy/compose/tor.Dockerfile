# Tor onion service for `docker compose --profile onion`: forwards to the proxy's onion port.
# The address is in the tor-data volume: /var/lib/tor/waypoint/hostname.
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends tor \
 && rm -rf /var/lib/apt/lists/*
COPY torrc /etc/tor/torrc
USER debian-tor
CMD ["tor", "-f", "/etc/tor/torrc"]
