# Rendered by the portal from the recipe java-maven.
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
RUN ["mvn", "-B", "-DskipTests", "package"]
RUN jar=$(ls -1 target/*.jar 2>/dev/null \
   | grep -v -e '-sources\.jar$' -e '-javadoc\.jar$' -e '-plain\.jar$' | head -n 1) \
 && if [ -z "$jar" ]; then echo "The build left no jar at target/*.jar" >&2; exit 1; fi \
 && mkdir -p /out && cp "$jar" /out/app.jar

FROM eclipse-temurin:17-jre
WORKDIR /app
COPY --from=build --chown=10001:10001 /out/app.jar /app/app.jar
ENV PORT=8080
USER 10001:10001
EXPOSE 8080
ENTRYPOINT ["java", "-jar", "/app/app.jar"]
