# Rendered by the portal from the recipe java-maven.
FROM 127.0.0.1:5000/base/maven:17 AS build
WORKDIR /src
COPY . .
RUN ["mvn", "-B", "-DskipTests", "package"]
RUN jar=$(ls -1 target/*.jar 2>/dev/null \
   | grep -v -e '-sources\.jar$' -e '-javadoc\.jar$' -e '-plain\.jar$' | head -n 1) \
 && if [ -z "$jar" ]; then echo "The build left no jar at target/*.jar" >&2; exit 1; fi \
 && mkdir -p /out && cp "$jar" /out/app.jar

FROM 127.0.0.1:5000/base/jre:17
WORKDIR /app
COPY --from=build --chown=10001:10001 /out/app.jar /app/app.jar
ENV PORT=8080
USER 10001:10001
EXPOSE 8080
ENTRYPOINT ["java", "-jar", "/app/app.jar"]
