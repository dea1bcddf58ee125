# Rendered by the portal from the recipe java-jar.
FROM 127.0.0.1:5000/base/jdk:17 AS build
WORKDIR /src
COPY . .
RUN mkdir -p /out/classes \
 && find . -name '*.java' -type f > /tmp/sources.txt \
 && javac --release 17 -encoding UTF-8 -d /out/classes @/tmp/sources.txt \
 && (cd . && find . -type f ! -name '*.java' -exec cp --parents {} /out/classes/ \;) \
 && jar --create --file /out/app.jar --main-class App -C /out/classes .

FROM 127.0.0.1:5000/base/jre:17
WORKDIR /app
COPY --from=build --chown=10001:10001 /out/app.jar /app/app.jar
ENV PORT=8081
USER 10001:10001
EXPOSE 8081
ENTRYPOINT ["java", "-jar", "/app/app.jar"]
