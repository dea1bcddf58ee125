# Rendered by the portal from the recipe java-jar.
FROM eclipse-temurin:17-jdk AS build
WORKDIR /src
COPY . .
RUN mkdir -p /out/classes \
 && find src -name '*.java' -type f > /tmp/sources.txt \
 && javac --release 17 -encoding UTF-8 -d /out/classes @/tmp/sources.txt \
 && (cd src && find . -type f ! -name '*.java' -exec cp --parents {} /out/classes/ \;) \
 && jar --create --file /out/app.jar --main-class com.example.App -C /out/classes .

FROM eclipse-temurin:17-jre
WORKDIR /app
COPY --from=build --chown=10001:10001 /out/app.jar /app/app.jar
ENV PORT=8080
USER 10001:10001
EXPOSE 8080
ENTRYPOINT ["java", "-jar", "/app/app.jar"]
