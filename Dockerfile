# reqdoctor: the Discord bot (`reqdoctor run`) and the CLI in one small image.
# The knowledge files and the database migrations are embedded in the binary at build time.
#
#   docker build -t reqdoctor .
#   docker run --rm -v reqdoctor-data:/data -e DISCORD_TOKEN -e REQDOCTOR_AUTOREPLY_CHANNELS=123456789012345678 reqdoctor
#   docker run --rm reqdoctor ask "my.request 报错 error: 14"

FROM rust:1-bookworm AS build
# Screenshots are read with Tesseract (feature `ocr`): its headers, Leptonica's, and
# libclang for the generated bindings.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libtesseract-dev libleptonica-dev clang libclang-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cargo build --release --locked --features ocr --bin reqdoctor

FROM debian:bookworm-slim
# Tesseract's library with its Simplified Chinese and English data, for screenshots.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates libtesseract5 tesseract-ocr-chi-sim tesseract-ocr-eng \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --user-group --no-create-home --shell /usr/sbin/nologin reqdoctor \
    && mkdir /data && chown 10001:10001 /data
COPY --from=build /src/target/release/reqdoctor /usr/local/bin/reqdoctor
USER 10001:10001
ENV RUST_LOG=warn,reqdoctor=info
# One core per OCR job: the bot bounds the jobs, OpenMP would spread each over every core.
ENV OMP_THREAD_LIMIT=1
# Server settings, votes and the review log (SQLite). DATABASE_URL=postgres://… overrides it.
ENV REQDOCTOR_DATABASE=/data/reqdoctor.db
VOLUME /data
# SIGTERM (docker stop) closes the gateway cleanly.
STOPSIGNAL SIGTERM
ENTRYPOINT ["reqdoctor"]
CMD ["run"]
