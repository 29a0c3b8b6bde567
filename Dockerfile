# reqdoctor: the Discord bot (`reqdoctor run`) and the CLI in one small image.
# The knowledge files are embedded in the binary at build time; nothing else is needed at run time.
#
#   docker build -t reqdoctor .
#   docker run --rm -e DISCORD_TOKEN -e REQDOCTOR_AUTOREPLY_CHANNELS=123456789012345678 reqdoctor
#   docker run --rm reqdoctor ask "my.request 报错 error: 14"

FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin reqdoctor

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --user-group --no-create-home --shell /usr/sbin/nologin reqdoctor
COPY --from=build /src/target/release/reqdoctor /usr/local/bin/reqdoctor
USER 10001:10001
ENV RUST_LOG=warn,reqdoctor=info
# SIGTERM (docker stop) closes the gateway cleanly.
STOPSIGNAL SIGTERM
ENTRYPOINT ["reqdoctor"]
CMD ["run"]
