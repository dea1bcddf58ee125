# Rendered by the portal from the recipe static.
FROM busybox:1.36
WORKDIR /srv/www
COPY --chown=10001:10001 ./ /srv/www/
USER 10001:10001
EXPOSE 8080
ENTRYPOINT ["busybox", "httpd", "-f", "-v", "-p", "8080", "-h", "/srv/www"]
