# Rendered by the portal from the recipe python.
FROM 127.0.0.1:5000/base/python:3.11 AS build
RUN python3 -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
COPY . .
RUN ["pip", "install", "--no-cache-dir", "-r", "requirements.txt"]

FROM 127.0.0.1:5000/base/python:3.11
RUN mkdir -p /home/app && chown 10001:10001 /home/app
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY --from=build --chown=10001:10001 /app /app
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 HOME=/home/app PORT=8000
USER 10001:10001
EXPOSE 8000
CMD ["python", "-m", "http.server", "8000"]
