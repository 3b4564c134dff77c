# The authbench image: the three servers (session-auth, jwt-auth, api) and the workbench on
# a small Debian runtime, running as an unprivileged user. docker-compose.yml runs one
# container per server from it.
#
# Two ways to build it:
#   docker build -t authbench .                 compiles in a Rust container (needs a registry
#                                               for rust:1-bookworm and debian:bookworm-slim)
#   cargo build --release --locked && \
#   docker build --target host -t authbench .   copies the binaries built on this machine
#                                               (Debian 12 or a glibc at least as old)
# docker/offline-images.sh makes debian:bookworm-slim from Debian's packages where no
# registry answers. No secret is baked in: the servers read them from APP_ variables.
#
# The stages are ordered so that `--target host` never touches the Rust image, even with
# the classic builder (which builds every stage before the target).

ARG RUST_IMAGE=rust:1-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

# What both final stages share: the configuration files and the unprivileged user.
FROM ${RUNTIME_IMAGE} AS runtime-base
COPY configuration/ /etc/authbench/
ENV APP_CONFIG_DIR=/etc/authbench \
    APP_PROFILE=production \
    RUST_LOG=info
# A numeric user needs no useradd (and so no package tools) in the image.
USER 10001:10001
WORKDIR /tmp
CMD ["workbench", "--help"]

# `--target host`: the binaries `cargo build --release --locked` left in target/release.
FROM runtime-base AS host
COPY target/release/api target/release/session-auth target/release/jwt-auth target/release/workbench /usr/local/bin/

# The Rust builder, for machines with a registry.
FROM ${RUST_IMAGE} AS builder
WORKDIR /src
COPY . .
RUN rm -rf target \
 && cargo build --release --locked -p api -p session-auth -p jwt-auth -p workbench \
 && mkdir /out \
 && cp target/release/api target/release/session-auth target/release/jwt-auth target/release/workbench /out/

# The default target.
FROM runtime-base AS runtime
COPY --from=builder /out/ /usr/local/bin/
