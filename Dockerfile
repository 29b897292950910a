# assistants-mock container image: a fake of Twilio's AI Assistants list API for
# integration tests.
#
#   docker build -t assistants-mock .
#   docker run --rm -p 8080:8080 assistants-mock
#
# Stage 1 builds on debian:bookworm-slim (release, NDEBUG), runs the unit suite and
# installs into a staging root together with exactly the shared libraries the binary
# loads (found with ldd). Stage 2 is `scratch` holding only that root: no shell, no
# package manager, about 10 MB. (STYLE.md names a bookworm-slim runtime; that is ~80 MB
# with the three runtime packages, far over the 30 MB target of issue 3.)
#
# SPDX-License-Identifier: MIT

FROM debian:bookworm-slim AS build
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
        libmicrohttpd-dev libgnutls28-dev libjson-c-dev libsqlite3-dev libcmocka-dev \
        meson ninja-build pkg-config gcc libc6-dev python3 \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /src
COPY . .
RUN meson setup --buildtype=release -Db_ndebug=true --prefix=/usr/local /build \
 && meson compile -C /build \
 && meson test -C /build --suite unit --no-rebuild --print-errorlogs \
 && meson install -C /build --no-rebuild --strip --destdir /rootfs

# Runtime root: the binary, its shared libraries at the paths ldd reports (the ELF
# interpreter path included), a passwd/group naming the fixed non-root user, a
# world-writable /tmp and /ca for the CA certificate. The server keeps its store in memory and writes no files, so
# --read-only and any --user work.
RUN set -eu; \
    bin=/rootfs/usr/local/bin/assistants-mock; \
    ldd "$bin" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' \
        | sort -u > /tmp/libs; \
    test -s /tmp/libs; \
    while read -r lib; do \
        mkdir -p "/rootfs$(dirname "$lib")"; \
        cp -L "$lib" "/rootfs$lib"; \
    done < /tmp/libs; \
    mkdir -p /rootfs/etc /rootfs/tmp /rootfs/ca; \
    chmod 1777 /rootfs/tmp; \
    chown 10001:10001 /rootfs/ca; \
    printf 'root:x:0:0:root:/:/sbin/nologin\nmock:x:10001:10001:assistants-mock:/:/sbin/nologin\n' \
        > /rootfs/etc/passwd; \
    printf 'root:x:0:\nmock:x:10001:\n' > /rootfs/etc/group; \
    "$bin" --version; \
    "$bin" --check

FROM scratch
COPY --from=build /rootfs/ /
USER 10001:10001
# HTTPS (a CA and certificate made at each start, never stored in the image) and the
# CONNECT proxy are on: see README "No code change". /ca is owned by the server's
# user, so a named volume there can take --tls-ca-out.
ENV ASSISTANTS_MOCK_BIND=0.0.0.0 \
    ASSISTANTS_MOCK_PORT=8080 \
    ASSISTANTS_MOCK_TLS_PORT=8443 \
    ASSISTANTS_MOCK_PROXY_PORT=8081
EXPOSE 8080 8443 8081
STOPSIGNAL SIGTERM
# No --start-interval: buildah 1.28 (podman 4.3) and Docker < 25 reject the flag. With
# --interval=1s the first probe runs one second after start, so `up --wait` returns
# about a second after the container starts (the server itself is ready in ms).
HEALTHCHECK --interval=1s --timeout=2s --start-period=5s --retries=3 \
    CMD ["/usr/local/bin/assistants-mock", "--healthcheck"]
ENTRYPOINT ["/usr/local/bin/assistants-mock"]
