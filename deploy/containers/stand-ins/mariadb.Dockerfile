# Stand-in for the official mariadb image: Debian's mariadb-server, data in /var/lib/mysql, the
# MARIADB_* variables the compose file uses, and healthcheck.sh --connect --innodb_initialized.
FROM localhost/strongbox-standin/debian:bookworm
RUN apt-get update -q && apt-get install -y -q --no-install-recommends mariadb-server mariadb-client \
 && rm -rf /var/lib/apt/lists/* /var/lib/mysql && mkdir -p /var/lib/mysql /run/mysqld \
 && chown mysql:mysql /var/lib/mysql /run/mysqld
COPY mariadb-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
COPY mariadb-healthcheck.sh /usr/local/bin/healthcheck.sh
VOLUME /var/lib/mysql
EXPOSE 3306
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["mariadbd"]
