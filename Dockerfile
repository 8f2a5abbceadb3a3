FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY maxhack ./maxhack
COPY supervisors ./supervisors
RUN pip install --no-cache-dir .
ENV API_HOST=0.0.0.0 API_PORT=7001
EXPOSE 7001
CMD ["maxhack", "run"]
