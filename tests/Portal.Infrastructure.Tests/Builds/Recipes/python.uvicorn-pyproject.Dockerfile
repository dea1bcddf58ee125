# Rendered by the portal from the recipe python.
FROM python:3.11-slim-bookworm AS build
RUN python3 -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
COPY . .
RUN ["pip", "install", "--no-cache-dir", "."]

FROM python:3.11-slim-bookworm
RUN mkdir -p /home/app && chown 10001:10001 /home/app
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY --from=build --chown=10001:10001 /app /app
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 HOME=/home/app PORT=8000
USER 10001:10001
EXPOSE 8000
CMD ["uvicorn", "--host", "0.0.0.0", "--port", "8000", "service.main:app"]
