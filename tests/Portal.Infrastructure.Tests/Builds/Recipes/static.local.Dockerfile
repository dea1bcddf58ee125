# Rendered by the portal from the recipe static.
FROM 127.0.0.1:5000/base/busybox:1.35
WORKDIR /srv/www
COPY --chown=10001:10001 public/ /srv/www/
USER 10001:10001
EXPOSE 8080
ENTRYPOINT ["busybox", "httpd", "-f", "-v", "-p", "8080", "-h", "/srv/www"]
