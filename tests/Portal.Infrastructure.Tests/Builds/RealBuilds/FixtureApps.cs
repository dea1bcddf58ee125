namespace Portal.Infrastructure.Tests.Builds.RealBuilds;

/// <summary>
/// One application a test commits to a Git repository of its own and builds for real: its files, the recipe the
/// inspector should propose for them, and what the image it makes says about running it.
/// </summary>
public sealed record FixtureApp(
    string Name,
    string Recipe,
    string Port,
    IReadOnlyList<string> Entrypoint,
    IReadOnlyList<string> Command,
    IReadOnlyDictionary<string, string> Files,
    IReadOnlyList<string> BaseImages
)
{
    /// <summary>The file a one-line change touches (the benchmark's warm rebuild).</summary>
    public string ChangedFile => Files.Keys.First();
}

/// <summary>
/// The fixture applications: no network while building except Debian's mirror (base images) and npm (the Node.js
/// app with a dependency). Java builds with javac and jar (recipe java-jar) since Maven Central cannot be reached
/// here; the Maven and Gradle recipes are proven by their golden files.
/// </summary>
public static class FixtureApps
{
    public static FixtureApp Go { get; } =
        new(
            "go",
            "go",
            "8080",
            ["/app/hello"],
            [],
            new Dictionary<string, string>
            {
                ["main.go"] = """
                package main

                import (
                	"fmt"
                	"net/http"
                	"os"
                )

                func main() {
                	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
                		fmt.Fprintln(w, "hello from go")
                	})
                	port := os.Getenv("PORT")
                	if port == "" {
                		port = "8080"
                	}
                	http.ListenAndServe(":"+port, nil)
                }

                """,
                ["go.mod"] = "module example.com/hello\n\ngo 1.19\n",
            },
            ["go", "debian"]
        );

    public static FixtureApp Node { get; } =
        new(
            "node",
            "node",
            "3000",
            [],
            ["npm", "start"],
            new Dictionary<string, string>
            {
                ["server.js"] = """
                const http = require("http");
                const port = process.env.PORT || 3000;
                http.createServer((req, res) => res.end("hello from node\n")).listen(port);

                """,
                ["package.json"] = """
                {
                  "name": "hello-node",
                  "version": "1.0.0",
                  "private": true,
                  "scripts": { "start": "node server.js" }
                }

                """,
            },
            ["node"]
        );

    public static FixtureApp NodeWithDependency { get; } =
        new(
            "node-ms",
            "node",
            "3000",
            [],
            ["npm", "start"],
            new Dictionary<string, string>
            {
                ["server.js"] = """
                const http = require("http");
                const ms = require("ms");
                const port = process.env.PORT || 3000;
                http.createServer((req, res) => res.end(`up for ${ms(process.uptime() * 1000)}\n`)).listen(port);

                """,
                ["package.json"] = """
                {
                  "name": "hello-node-ms",
                  "version": "1.0.0",
                  "private": true,
                  "scripts": { "start": "node server.js", "test": "node -e \"require('ms')('1h')\"" },
                  "dependencies": { "ms": "2.1.3" }
                }

                """,
            },
            ["node"]
        );

    public static FixtureApp Python { get; } =
        new(
            "python",
            "python",
            "8000",
            [],
            ["python", "app.py"],
            new Dictionary<string, string>
            {
                ["app.py"] = """
                import os
                from http.server import BaseHTTPRequestHandler, HTTPServer


                class Hello(BaseHTTPRequestHandler):
                    def do_GET(self):
                        self.send_response(200)
                        self.end_headers()
                        self.wfile.write(b"hello from python\n")


                HTTPServer(("", int(os.environ.get("PORT", "8000"))), Hello).serve_forever()

                """,
            },
            ["python"]
        );

    public static FixtureApp Static { get; } =
        new(
            "static",
            "static",
            "8080",
            ["busybox", "httpd", "-f", "-v", "-p", "8080", "-h", "/srv/www"],
            [],
            new Dictionary<string, string>
            {
                ["index.html"] = "<!doctype html>\n<title>Hello</title>\n<h1>hello from a static site</h1>\n",
                ["style.css"] = "h1 { color: teal; }\n",
            },
            ["busybox"]
        );

    /// <summary>A Dockerfile of its own, on the busybox base image of <paramref name="registry"/>.</summary>
    public static FixtureApp Dockerfile(string registry) =>
        new(
            "dockerfile",
            "dockerfile",
            "9000",
            ["httpd", "-f", "-p", "9000", "-h", "/www"],
            [],
            new Dictionary<string, string>
            {
                ["Dockerfile"] = $"""
                FROM {registry}/base/busybox:1.35
                RUN ln -s /bin/busybox /usr/local/bin/httpd && mkdir /www
                COPY --chown=10002 index.html /www/index.html
                USER 10002
                EXPOSE 9000
                ENTRYPOINT ["httpd", "-f", "-p", "9000", "-h", "/www"]

                """,
                ["index.html"] = "<h1>hello from a Dockerfile</h1>\n",
            },
            ["busybox"]
        );

    public static FixtureApp Java { get; } =
        new(
            "java",
            "java-jar",
            "8080",
            ["java", "-jar", "/app/app.jar"],
            [],
            new Dictionary<string, string>
            {
                ["src/com/example/App.java"] = """
                package com.example;

                import com.sun.net.httpserver.HttpServer;
                import java.net.InetSocketAddress;
                import java.nio.charset.StandardCharsets;

                public class App {
                    public static void main(String[] args) throws Exception {
                        int port = Integer.parseInt(System.getenv().getOrDefault("PORT", "8080"));
                        HttpServer server = HttpServer.create(new InetSocketAddress(port), 0);
                        server.createContext("/", exchange -> {
                            byte[] body = "hello from java\n".getBytes(StandardCharsets.UTF_8);
                            exchange.sendResponseHeaders(200, body.length);
                            exchange.getResponseBody().write(body);
                            exchange.close();
                        });
                        server.start();
                    }
                }

                """,
            },
            ["jdk", "jre"]
        );
}
