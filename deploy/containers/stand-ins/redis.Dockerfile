# Stand-in for the official redis image: Debian's redis-server, data in /data, run as the redis user,
# arguments after the image name passed to redis-server.
FROM localhost/strongbox-standin/debian:bookworm
RUN apt-get update -q && apt-get install -y -q --no-install-recommends redis-server \
 && rm -rf /var/lib/apt/lists/* && mkdir -p /data && chown redis:redis /data
COPY redis-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
WORKDIR /data
VOLUME /data
EXPOSE 6379
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["redis-server"]
