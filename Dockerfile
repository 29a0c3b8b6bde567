# reqdoctor: the Discord bot (`reqdoctor run`) and the CLI in one small image.
# The knowledge files and the database migrations are embedded in the binary at build time.
#
#   docker build -t reqdoctor .
#   docker run --rm -v reqdoctor-data:/data -e DISCORD_TOKEN -e REQDOCTOR_AUTOREPLY_CHANNELS=123456789012345678 reqdoctor
#   docker run --rm reqdoctor ask "my.request 报错 error: 14"

FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin reqdoctor

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --user-group --no-create-home --shell /usr/sbin/nologin reqdoctor \
    && mkdir /data && chown 10001:10001 /data
COPY --from=build /src/target/release/reqdoctor /usr/local/bin/reqdoctor
USER 10001:10001
ENV RUST_LOG=warn,reqdoctor=info
# Server settings, votes and the review log (SQLite). DATABASE_URL=postgres://… overrides it.
ENV REQDOCTOR_DATABASE=/data/reqdoctor.db
VOLUME /data
# SIGTERM (docker stop) closes the gateway cleanly.
STOPSIGNAL SIGTERM
ENTRYPOINT ["reqdoctor"]
CMD ["run"]
